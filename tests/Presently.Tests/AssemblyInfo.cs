// The tests drive X11, D-Bus, SIGKILL and Unix file modes: they run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
