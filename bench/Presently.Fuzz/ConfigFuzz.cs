using System.Diagnostics;
using System.Text;
using Presently.Agent.Config;

namespace Presently.Fuzz;

/// <summary>Mutated agent config files: the loader either accepts them or says why in a ConfigException, never anything else.</summary>
public static class ConfigFuzz
{
    private const string Valid = """
        {
          "Server": "https://presently.example.com",
          "Token": "abc",
          "IdleThreshold": "00:03:00",
          "CheckpointInterval": "00:00:05",
          "JournalMaxBytes": 104857600,
          "Privacy": {
            "ExcludeApps": [ "keepassxc", "/^signal/" ],
            "RedactTitles": [ { "Pattern": "\\d{4,}", "Replacement": "#" } ],
            "SendTitles": true
          }
        }
        """;

    public static FuzzResult Run(int seed, TimeSpan budget, string workDirectory)
    {
        var m = new Mutator(seed);
        var failures = new List<string>();
        long inputs = 0, accepted = 0, largest = 0;
        var path = Path.Combine(workDirectory, "agent.json");
        var valid = Encoding.UTF8.GetBytes(Valid);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget && failures.Count < 20)
        {
            var bytes = m.Mutate(valid, valid);
            File.WriteAllBytes(path, bytes);
            inputs++;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                AgentSettingsLoader.Load(path, new Dictionary<string, string?>());
                accepted++;
            }
            catch (ConfigException ex) when (!ex.Message.Contains('\n'))
            {
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message.Split('\n')[0]} on {Convert.ToBase64String(bytes)}");
            }
            largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return new FuzzResult("config", inputs, accepted, failures, largest);
    }
}
