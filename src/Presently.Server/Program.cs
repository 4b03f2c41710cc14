using Microsoft.Extensions.Options;
using Presently.Server;

try
{
    // A verb may come anywhere, so scripts can put the shared settings first.
    if (args.FirstOrDefault(a => ServerCommands.Verbs.Contains(a)) is { } verb)
        return await ServerCommands.RunAsync(verb, [.. args.Where(a => a != verb)], Console.Out);

    var app = PresentlyServer.Build(args);
    // Settings are checked before anything starts, so a bad one is one line, not a failed host's log.
    _ = app.Services.GetRequiredService<IOptions<Presently.Server.Options.ServerOptions>>().Value;
    await app.StartAsync();
    var setupToken = await app.PrepareSetupAsync();
    if (setupToken is not null)
        foreach (var url in app.Urls)
            Console.WriteLine($"No admin yet. Create the first one (this link works once): {url.TrimEnd('/')}/setup?token={setupToken}");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"presently-server: invalid settings: {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException
                               or System.Security.Cryptography.CryptographicException)
{
    Console.Error.WriteLine($"presently-server: {ex.Message}");
    return 1;
}
