namespace Presently.Tests.Fixtures;

/// <summary>
/// Tests that need a program skip with the package to install — or fail when
/// PRESENTLY_REQUIRE_ALL=1, as in CI, where a skip would hide a broken set-up.
/// </summary>
public static class Requirements
{
    public static bool RequireAll => Environment.GetEnvironmentVariable("PRESENTLY_REQUIRE_ALL") == "1";

    /// <summary>Returns the full path of <paramref name="program"/>, or skips/fails naming <paramref name="debianPackage"/>.</summary>
    public static string Program(string program, string debianPackage) => Program(program, debianPackage, []);

    /// <summary>As above, looking in <paramref name="searchFirst"/> before PATH (for packages that keep programs off PATH).</summary>
    public static string Program(string program, string debianPackage, IEnumerable<string> searchFirst)
    {
        var path = searchFirst.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists) ?? Find(program);
        if (path is not null) return path;
        var message = $"{program} not found: install the Debian package '{debianPackage}'";
        if (RequireAll) Assert.Fail(message + " (PRESENTLY_REQUIRE_ALL=1)");
        Assert.Skip(message);
        return "";
    }

    public static string? Find(string program)
    {
        if (Path.IsPathRooted(program)) return File.Exists(program) ? program : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
