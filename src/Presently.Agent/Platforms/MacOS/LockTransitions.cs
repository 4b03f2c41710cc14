using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.MacOS;

/// <summary>
/// Turns the polled "is the screen locked" answer into Locked and Unlocked events, once per change.
/// An unknown answer (the session dictionary could not be read) changes nothing.
/// </summary>
public sealed class LockTransitions
{
    private bool? _locked;

    public SystemEvent? Observe(bool? locked)
    {
        if (locked is null || locked == _locked) return null;
        var first = _locked is null;
        _locked = locked;
        // At start an unlocked screen is no news; a locked one is.
        if (first && locked == false) return null;
        return locked.Value ? SystemEvent.Locked : SystemEvent.Unlocked;
    }
}
