using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>The setup link under a race, sign-in timing, and the data directory's permissions.</summary>
[Collection(TimingSensitive.Name)]
public sealed class FirstRunAndSignInTests
{
    [Fact]
    public async Task Parallel_posts_of_the_setup_link_create_exactly_one_admin()
    {
        await using var fresh = await ServerHost.StartAsync(null, null, signInAdmin: false);
        var page = $"/setup?token={fresh.SetupToken}";
        var browsers = Enumerable.Range(0, 8).Select(_ => WebSession.Anonymous(fresh.BaseUri)).ToList();
        try
        {
            // Every form is loaded first, so that the eight posts race each other.
            var forms = await Task.WhenAll(browsers.Select((b, i) => b.WithTokenAsync(page,
                new() { ["token"] = fresh.SetupToken!, ["name"] = $"root{i}", ["password"] = "correct horse battery", ["confirm"] = "correct horse battery" })));
            var statuses = await Task.WhenAll(browsers.Select((b, i) => Task.Run(async () => (await b.Http.PostAsync("/setup", new FormUrlEncodedContent(forms[i]))).StatusCode)));

            var admins = (await fresh.Services.GetRequiredService<IAccountStore>().ListPeopleAsync()).Where(p => p.Role == Role.Admin).ToList();
            Assert.True(admins.Count == 1, $"{admins.Count} admins: {string.Join(", ", admins.Select(a => a.Name))}");
            Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Redirect));
            Assert.All(statuses.Where(s => s != HttpStatusCode.Redirect), s => Assert.True(s is HttpStatusCode.NotFound or HttpStatusCode.Conflict, $"{(int)s}"));
        }
        finally
        {
            foreach (var b in browsers) b.Dispose();
        }
    }

    [Fact]
    public async Task A_failed_sign_in_takes_as_long_for_an_unknown_name_as_for_a_known_one()
    {
        await using var server = await ServerHost.StartAsync();
        using var _ = await server.SignInAsync("known-person", Role.Member);
        using var browser = WebSession.Anonymous(server.BaseUri);
        var form = await browser.WithTokenAsync("/login", []);

        async Task<double> AttemptAsync(string name)
        {
            var clock = Stopwatch.StartNew();
            var response = await browser.Http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>(form) { ["name"] = name, ["password"] = "not-the-password" }));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            return clock.Elapsed.TotalMilliseconds;
        }

        await AttemptAsync("warm-up");
        await AttemptAsync("known-person");
        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            known.Add(await AttemptAsync("known-person"));
            unknown.Add(await AttemptAsync($"nobody-{i}"));
        }
        static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        Assert.True(Median(unknown) >= 0.5 * Median(known), $"median sign-in time: unknown name {Median(unknown):0.0} ms, known name {Median(known):0.0} ms");
    }

    [Fact]
    public async Task The_data_directory_and_database_are_private_whatever_the_umask()
    {
        using var root = new TempDirectory();
        var data = Path.Combine(root.Path, "data"); // the server makes it
        await using var server = new ServerProcess(data) { Umask = "000" };
        await server.StartAsync();
        // The running server keeps the database open, so its write-ahead log and index exist now.

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        foreach (var name in new[] { "presently.db", "presently.db-wal", "presently.db-shm" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, name)));
        foreach (var entry in Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories))
            Assert.True((File.GetUnixFileMode(entry) & others) == 0, $"{entry} is {File.GetUnixFileMode(entry)}");
    }
}
