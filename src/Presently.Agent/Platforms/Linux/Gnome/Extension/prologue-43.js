'use strict';
// Presently (GNOME Shell 43 and 44): written by `presently-agent install`, removed by uninstall.
const { Gio, GLib } = imports.gi;

