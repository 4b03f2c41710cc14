using Presently.Agent.Platforms;

namespace Presently.Tests.Agent;

/// <summary>Which Linux sensor the agent picks from the session's environment.</summary>
public sealed class SensorSelectionTests
{
    private static SensorChoice Choose(params (string Name, string Value)[] env) =>
        SensorSelection.Choose(env.ToDictionary(e => e.Name, e => (string?)e.Value));

    [Fact]
    public void Sway_on_Wayland_picks_the_sway_sensor_even_with_XWayland_present()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "sway"), ("WAYLAND_DISPLAY", "wayland-1"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"), ("SWAYSOCK", "/run/user/1000/sway-ipc.1000.42.sock"), ("I3SOCK", "/run/user/1000/sway-ipc.1000.42.sock"), ("DISPLAY", ":0"));
        Assert.Equal(SensorKind.Sway, choice.Kind);
        Assert.Equal("/run/user/1000/sway-ipc.1000.42.sock", choice.Socket);
        Assert.Equal("/run/user/1000/wayland-1", choice.WaylandSocket);
    }

    [Fact]
    public void An_i3_IPC_socket_on_Wayland_without_SWAYSOCK_is_taken_for_sway()
    {
        var choice = Choose(("WAYLAND_DISPLAY", "wayland-0"), ("XDG_RUNTIME_DIR", "/run/user/7"), ("I3SOCK", "/run/user/7/ipc.sock"));
        Assert.Equal(SensorKind.Sway, choice.Kind);
        Assert.Equal("/run/user/7/ipc.sock", choice.Socket);
    }

    [Fact]
    public void Hyprland_picks_the_Hyprland_sensor_with_its_instance_directory()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "Hyprland"), ("WAYLAND_DISPLAY", "wayland-1"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"), ("HYPRLAND_INSTANCE_SIGNATURE", "abc_123_456"), ("DISPLAY", ":1"));
        Assert.Equal(SensorKind.Hyprland, choice.Kind);
        Assert.Equal("/run/user/1000/hypr/abc_123_456", choice.Socket);
    }

    [Fact]
    public void A_Hyprland_signature_cannot_lead_out_of_the_runtime_directory()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_RUNTIME_DIR", "/run/user/1"), ("HYPRLAND_INSTANCE_SIGNATURE", "../../etc"));
        Assert.StartsWith("/run/user/1/hypr/", choice.Socket);
        Assert.DoesNotContain("..", choice.Socket);
    }

    [Theory]
    [InlineData("KDE", SensorKind.KWin, "Wayland session of KDE: KWin sensor")]
    [InlineData("GNOME", SensorKind.Gnome, "Wayland session of GNOME: GNOME sensor")]
    [InlineData("ubuntu:GNOME", SensorKind.Gnome, "Wayland session of GNOME: GNOME sensor")]
    public void KDE_and_GNOME_on_Wayland_get_their_own_sensors_not_X11(string desktop, SensorKind kind, string reason)
    {
        // A stray I3SOCK inherited from elsewhere does not make KWin or Mutter sway.
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", desktop), ("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0"), ("I3SOCK", "/tmp/stray"));
        Assert.Equal(kind, choice.Kind);
        Assert.Equal(reason, choice.Reason);
    }

    [Fact]
    public void An_unknown_Wayland_desktop_falls_back_to_XWayland_and_says_what_that_misses()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "river"), ("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0"));
        Assert.Equal(SensorKind.X11, choice.Kind);
        Assert.Contains("river", choice.Reason);
        Assert.Contains("sees only XWayland windows", choice.Reason);
    }

    [Fact]
    public void An_unknown_Wayland_desktop_without_XWayland_has_no_sensor()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "river"), ("WAYLAND_DISPLAY", "wayland-0"));
        Assert.Equal(SensorKind.None, choice.Kind);
        Assert.Contains("no DISPLAY", choice.Reason);
    }

    [Fact]
    public void Sway_named_but_without_its_socket_says_so()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "wayland"), ("XDG_CURRENT_DESKTOP", "sway"), ("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0"));
        Assert.Equal(SensorKind.X11, choice.Kind);
        Assert.Contains("SWAYSOCK is not set", choice.Reason);
    }

    [Fact]
    public void An_X11_session_picks_X11_even_under_i3()
    {
        Assert.Equal(SensorKind.X11, Choose(("XDG_SESSION_TYPE", "x11"), ("DISPLAY", ":0")).Kind);
        Assert.Equal(SensorKind.X11, Choose(("DISPLAY", ":0")).Kind);
        Assert.Equal(SensorKind.X11, Choose(("XDG_SESSION_TYPE", "x11"), ("DISPLAY", ":0"), ("I3SOCK", "/run/user/1/i3/ipc-socket.1"), ("WAYLAND_DISPLAY", "wayland-0")).Kind);
    }

    [Fact]
    public void i3_without_a_display_uses_its_IPC()
    {
        var choice = Choose(("XDG_SESSION_TYPE", "x11"), ("I3SOCK", "/run/user/1/i3/ipc-socket.1"));
        Assert.Equal(SensorKind.I3, choice.Kind);
        Assert.Equal("/run/user/1/i3/ipc-socket.1", choice.Socket);
    }

    [Fact]
    public void No_session_at_all_says_which_variables_are_missing()
    {
        var choice = Choose();
        Assert.Equal(SensorKind.None, choice.Kind);
        Assert.Contains("DISPLAY is not set (X11), and WAYLAND_DISPLAY is not set", choice.Reason);
    }

    [Fact]
    public void WAYLAND_DISPLAY_may_be_an_absolute_path()
    {
        Assert.Equal("/tmp/w/wl-0", SensorSelection.WaylandSocket("/tmp/w/wl-0", "/run/user/1"));
        Assert.Equal("/run/user/1/wayland-0", SensorSelection.WaylandSocket(null, "/run/user/1"));
        Assert.Null(SensorSelection.WaylandSocket("wayland-0", null));
    }
}
