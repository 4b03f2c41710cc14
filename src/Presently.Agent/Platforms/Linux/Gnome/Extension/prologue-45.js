// Presently (GNOME Shell 45 and later): written by `presently-agent install`, removed by uninstall.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

