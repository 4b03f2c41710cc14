using Microsoft.Extensions.Options;
using Presently.Server;

try
{
    var app = PresentlyServer.Build(args);
    await app.InitializeAsync();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"presently-server: invalid settings: {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"presently-server: {ex.Message}");
    return 1;
}
