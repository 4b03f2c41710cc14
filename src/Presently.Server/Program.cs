using Microsoft.Extensions.Options;
using Presently.Server;

try
{
    return await ServerCli.RunAsync(args, Console.Out);
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
