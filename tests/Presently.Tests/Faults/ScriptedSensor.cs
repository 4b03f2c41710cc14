using Microsoft.Extensions.Time.Testing;
using Presently.Agent.Sensors;

namespace Presently.Tests.Faults;

/// <summary>
/// A sensor that plays a script of (app, seconds) on an injected clock, one sample per second, as
/// fast as the agent takes them; then waits until released.
/// </summary>
public sealed class ScriptedSensor(FakeTimeProvider time, IReadOnlyList<(string App, int Seconds)> script) : IForegroundSensor
{
    private readonly TaskCompletionSource _played = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _release = new();

    public string Name => "scripted";

    public IReadOnlyList<string> Capabilities => ["scripted"];

    public Task Played => _played.Task;

    public void Release() => _release.Set();

    public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        foreach (var (app, seconds) in script)
        {
            for (var s = 0; s < seconds; s++)
            {
                onSample(new ForegroundSample(app, app + " title", app, TimeSpan.Zero));
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }
        // One last sample at the end of the script, so the last span reaches it.
        onSample(new ForegroundSample("end", null, null, TimeSpan.Zero));
        _played.SetResult();
        _release.Wait(ct);
    }

    public void Dispose() => _release.Dispose();
}
