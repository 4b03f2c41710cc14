namespace Presently.Tests.Fixtures;

/// <summary>The clone the tests run from, for tests that build or publish the agent themselves.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Presently.slnx"))) return dir.FullName;
            throw new InvalidOperationException($"no Presently.slnx above {AppContext.BaseDirectory}");
        }
    }
}
