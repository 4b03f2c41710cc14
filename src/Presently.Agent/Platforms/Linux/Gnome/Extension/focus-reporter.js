// The shared part of Presently's GNOME Shell extension: `presently-agent install` writes
// extension.js as the prologue for this GNOME version, then this, then the epilogue.
// It exports org.presently.Shell on the session bus: FocusedWindow() and the FocusChanged signal,
// sent when the focused window or its title changes. Gio, GLib and global come from the prologue.

const PRESENTLY_BUS_NAME = 'org.presently.Shell';
const PRESENTLY_OBJECT_PATH = '/org/presently/Shell';
const PRESENTLY_INTERFACE = `<node>
  <interface name="org.presently.Shell">
    <method name="FocusedWindow">
      <arg type="s" direction="out" name="wmClass"/>
      <arg type="s" direction="out" name="title"/>
      <arg type="i" direction="out" name="pid"/>
    </method>
    <signal name="FocusChanged">
      <arg type="s" name="wmClass"/>
      <arg type="s" name="title"/>
      <arg type="i" name="pid"/>
    </signal>
  </interface>
</node>`;

class PresentlyFocusReporter {
    constructor(display) {
        this._display = display;
        this._window = null;
        this._titleId = 0;
        this._focusId = 0;
        this._exported = null;
        this._nameId = 0;
    }

    start() {
        this._exported = Gio.DBusExportedObject.wrapJSObject(PRESENTLY_INTERFACE, this);
        this._exported.export(Gio.DBus.session, PRESENTLY_OBJECT_PATH);
        this._nameId = Gio.bus_own_name_on_connection(Gio.DBus.session, PRESENTLY_BUS_NAME, Gio.BusNameOwnerFlags.NONE, null, null);
        this._focusId = this._display.connect('notify::focus-window', () => this._focusChanged());
        this._focusChanged();
    }

    stop() {
        this._watch(null);
        if (this._focusId) this._display.disconnect(this._focusId);
        this._focusId = 0;
        if (this._nameId) Gio.bus_unown_name(this._nameId);
        this._nameId = 0;
        if (this._exported) this._exported.unexport();
        this._exported = null;
    }

    // D-Bus method: the window with the keyboard focus now, or three empty values.
    FocusedWindow() {
        return PresentlyFocusReporter.describe(this._display.focus_window);
    }

    static describe(window) {
        if (!window) return ['', '', 0];
        const pid = window.get_pid();
        return [window.get_wm_class() || '', window.get_title() || '', pid > 0 ? pid : 0];
    }

    _focusChanged() {
        this._watch(this._display.focus_window);
        this._emit();
    }

    // Only the focused window's title is watched: one connection at a time.
    _watch(window) {
        if (this._window && this._titleId) this._window.disconnect(this._titleId);
        this._window = window || null;
        this._titleId = this._window ? this._window.connect('notify::title', () => this._emit()) : 0;
    }

    _emit() {
        if (!this._exported) return;
        const [wmClass, title, pid] = PresentlyFocusReporter.describe(this._window);
        this._exported.emit_signal('FocusChanged', new GLib.Variant('(ssi)', [wmClass, title, pid]));
    }
}
