
class PresentlyExtension {
    enable() {
        this._reporter = new PresentlyFocusReporter(global.display);
        this._reporter.start();
    }

    disable() {
        if (this._reporter) this._reporter.stop();
        this._reporter = null;
    }
}

function init() {
    return new PresentlyExtension();
}
