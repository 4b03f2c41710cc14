// Presently's KWin script (Plasma 5.27 and 6): tells the agent which window is active, and its
// caption whenever that changes. The agent writes this file with its own bus name in place of
// __PRESENTLY_SERVICE__, loads it over D-Bus (org.kde.kwin.Scripting.loadScript) and unloads it on stop.
(function () {
    var service = "__PRESENTLY_SERVICE__";
    var path = "/org/presently/Agent/KWin";
    var iface = "org.presently.Agent.KWin";
    var watched = null;

    // Plasma 5 gives resourceClass as a QByteArray (an ArrayBuffer in script), Plasma 6 as a string.
    function text(value) {
        if (value === null || value === undefined) return "";
        if (typeof value === "string") return value;
        if (typeof ArrayBuffer !== "undefined" && value instanceof ArrayBuffer) {
            var bytes = new Uint8Array(value);
            var s = "";
            for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
            return s;
        }
        return String(value);
    }

    // The pid goes as a string: callDBus turns script numbers into doubles or ints depending on the
    // Qt version, and the agent then has one type to read.
    function report(window) {
        if (!window) {
            callDBus(service, path, iface, "ActiveWindow", "", "", "0");
            return;
        }
        var pid = Number(window.pid) > 0 ? String(Math.floor(Number(window.pid))) : "0";
        callDBus(service, path, iface, "ActiveWindow", text(window.resourceClass), text(window.caption), pid);
    }

    function captionChanged() {
        if (watched) report(watched);
    }

    // Only the active window's caption is watched: one connection at a time, moved on every activation.
    function activated(window) {
        if (watched && watched.captionChanged) watched.captionChanged.disconnect(captionChanged);
        watched = window || null;
        if (watched && watched.captionChanged) watched.captionChanged.connect(captionChanged);
        report(watched);
    }

    var activation = workspace.windowActivated || workspace.clientActivated;
    activation.connect(activated);
    activated(workspace.activeWindow !== undefined ? workspace.activeWindow : workspace.activeClient);
})();
