using System.Globalization;

namespace Sentinel.Worker.Storage;

/// <summary>Finds the machine's PostgreSQL server binaries.</summary>
internal static class PostgresInstall
{
    /// <summary>The one line printed when no install is found: how to install one, or how to use another server.</summary>
    public const string NotFoundMessage =
        "no PostgreSQL server install found (looked for initdb via pg_config --bindir and in /usr/lib/postgresql/*/bin); " +
        "install one (Debian/Ubuntu: apt-get install postgresql) or point Sentinel at an existing server with " +
        "--database or SENTINEL__DATABASE=\"Host=db.example;Username=sentinel;Password=...;Database=sentinel\"";

    /// <summary>The directory holding initdb and pg_ctl, or null when none is found.</summary>
    public static async Task<string?> FindBinDirectoryAsync(string? configured, CancellationToken cancellationToken)
    {
        if (configured is not null)
        {
            return HasServer(configured) ? Path.GetFullPath(configured) : null;
        }

        try
        {
            var pgConfig = await ExternalProcess.RunAsync("pg_config", ["--bindir"], null, cancellationToken).ConfigureAwait(false);
            var bin = pgConfig.Output.Trim();
            if (pgConfig.Succeeded && HasServer(bin))
            {
                return bin;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed; fall back to the Debian layout.
        }

        const string debian = "/usr/lib/postgresql";
        if (!Directory.Exists(debian))
        {
            return null;
        }

        return Directory.EnumerateDirectories(debian)
            .Select(dir => (dir, version: double.TryParse(Path.GetFileName(dir), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"))
            .FirstOrDefault(HasServer);
    }

    private static bool HasServer(string bin) =>
        File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")) && File.Exists(Path.Combine(bin, "postgres"));
}
