namespace Presently.Server.Options;

/// <summary>
/// The data directory holds everyone's hours, password hashes and signing keys: it is the server
/// user's alone (0700, files 0600), whatever the umask of whoever starts the server.
/// </summary>
public static class PrivateDataDirectory
{
    private const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates or tightens the directory and the database files; returns the directory.</summary>
    public static string Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return directory;
        }
        // Only the last level gets the mode from CreateDirectory, and a umask may have loosened it.
        Directory.CreateDirectory(directory, Directory0700);
        File.SetUnixFileMode(directory, Directory0700);
        var database = Path.Combine(directory, "presently.db");
        // SQLite gives its -wal and -shm files the mode of the database file, so the database is
        // made here first with 0600; an empty file is an empty database to SQLite.
        using (new FileStream(database, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, UnixCreateMode = File0600 })) { }
        foreach (var file in new[] { database, database + "-wal", database + "-shm", database + "-journal" })
            if (File.Exists(file) && (File.GetUnixFileMode(file) & ~File0600) != 0) File.SetUnixFileMode(file, File0600);
        return directory;
    }
}
