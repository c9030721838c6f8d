using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// A private PostgreSQL cluster started from the machine's install when no database is configured: initdb on
/// first use, pg_ctl start and stop, listening only on a unix socket in a directory only its owner can enter.
/// As root, the server runs as an unprivileged user, since PostgreSQL refuses to run as root.
/// </summary>
internal sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string Database = "sentinel";
    public const string User = "sentinel";
    private const int Port = 5432;

    private readonly string _bin;
    private readonly string _runAs;
    private readonly ILogger _log;
    private bool _stopped;

    private EmbeddedPostgres(string bin, string dataDirectory, string socketDirectory, string? runAs, ILogger log)
    {
        _bin = bin;
        DataDirectory = dataDirectory;
        SocketDirectory = socketDirectory;
        _runAs = runAs ?? string.Empty;
        _log = log;
    }

    public string DataDirectory { get; }

    /// <summary>Whether the server was already running when this instance started (a daemon or an unclean stop left it).</summary>
    public bool WasRunning { get; private set; }

    public string SocketDirectory { get; }

    /// <summary>The connection string of the <c>sentinel</c> database.</summary>
    public string ConnectionString => ConnectionStringFor(Database);

    /// <summary>A connection string for another database of the cluster.</summary>
    public string ConnectionStringFor(string database) => ConnectionStringFor(SocketDirectory, database);

    /// <summary>
    /// The connection string of the <c>sentinel</c> database of the cluster <paramref name="options"/> describe, known
    /// before the cluster starts (its socket's place follows from the data directory), so that what uses the database
    /// can be composed before the host starts the cluster.
    /// </summary>
    public static string ConnectionStringOf(EmbeddedPostgresOptions options) =>
        ConnectionStringFor(ChooseSocketDirectory(Path.GetFullPath(options.DataDirectory)), Database);

    private static string ConnectionStringFor(string socketDirectory, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = socketDirectory,
        Port = Port,
        Username = User,
        Database = database,
    }.ConnectionString;

    /// <summary>Starts the cluster (creating it on first use) and its <c>sentinel</c> database.</summary>
    /// <exception cref="EmbeddedPostgresException">No install, or the cluster cannot start; the message says why in one line.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger log, CancellationToken cancellationToken)
    {
        var bin = await PostgresInstall.FindBinDirectoryAsync(options.BinDirectory, cancellationToken).ConfigureAwait(false)
            ?? throw new EmbeddedPostgresException(PostgresInstall.NotFoundMessage);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        var runAs = Environment.IsPrivilegedProcess ? options.ServerUser : null;
        Directory.CreateDirectory(dataDirectory);
        var socketDirectory = ChooseSocketDirectory(dataDirectory);
        Directory.CreateDirectory(socketDirectory);
        if (runAs is not null)
        {
            await GiveToServerUserAsync(runAs, dataDirectory, socketDirectory, cancellationToken).ConfigureAwait(false);
        }

        var server = new EmbeddedPostgres(bin, dataDirectory, socketDirectory, runAs, log);
        await server.InitialiseAsync(options, cancellationToken).ConfigureAwait(false);
        await server.StartServerAsync(cancellationToken).ConfigureAwait(false);
        await server.CreateDatabaseAsync(Database, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Creates a database in the cluster unless it exists.</summary>
    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(name);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Leaves the server running when this instance is disposed: for short commands that borrow the cluster of
    /// a running daemon, which must not lose its database when they exit.
    /// </summary>
    public void LeaveRunning() => _stopped = true;

    /// <summary>Stops the server (fast shutdown: open sessions are ended, committed data is safe).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        var stop = await PgCtlAsync(["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "-s"], CancellationToken.None).ConfigureAwait(false);
        if (stop.Succeeded)
        {
            Log.EmbeddedPostgresStopped(_log, DataDirectory);
        }
        else
        {
            Log.EmbeddedPostgresStopFailed(_log, DataDirectory, stop.LastLine);
        }
    }

    private async Task InitialiseAsync(EmbeddedPostgresOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            List<string> arguments = ["-D", DataDirectory, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"];
            if (!options.Durable)
            {
                arguments.Add("--no-sync");
            }

            var init = await RunAsync("initdb", arguments, cancellationToken).ConfigureAwait(false);
            if (!init.Succeeded)
            {
                throw new EmbeddedPostgresException($"initdb failed for {DataDirectory}: {init.LastLine}");
            }

            // Settings live in an included file that Sentinel rewrites on every start, so that the cluster
            // follows the data directory if it moves, without quoting paths through pg_ctl's shell.
            await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), "\ninclude_if_exists = 'sentinel.conf'\n", cancellationToken).ConfigureAwait(false);
            Log.EmbeddedPostgresCreated(_log, DataDirectory);
        }

        var settings = new StringBuilder()
            .AppendLine("# Written by Sentinel at every start; edit postgresql.conf instead.")
            .AppendLine("listen_addresses = ''")
            .AppendLine($"port = {Port}")
            .AppendLine($"unix_socket_directories = '{SocketDirectory.Replace("'", "''", StringComparison.Ordinal)}'")
            .AppendLine("unix_socket_permissions = 0700");
        if (!options.Durable)
        {
            settings.AppendLine("fsync = off").AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        }

        var file = Path.Combine(DataDirectory, "sentinel.conf");
        await File.WriteAllTextAsync(file, settings.ToString(), cancellationToken).ConfigureAwait(false);
        if (_runAs.Length > 0)
        {
            await ChownAsync(_runAs, file, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var status = await PgCtlAsync(["status", "-D", DataDirectory], cancellationToken).ConfigureAwait(false);
        if (status.Succeeded)
        {
            // Left running by a Sentinel that did not stop cleanly: use it, and stop it on exit as if started here.
            Log.EmbeddedPostgresReused(_log, DataDirectory);
            WasRunning = true;
            return;
        }

        var start = await PgCtlAsync(
            ["start", "-D", DataDirectory, "-w", "-t", "120", "-s", "-l", Path.Combine(DataDirectory, "server.log")],
            cancellationToken).ConfigureAwait(false);
        if (!start.Succeeded)
        {
            var log = Path.Combine(DataDirectory, "server.log");
            var reason = File.Exists(log) ? (await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false)).LastOrDefault(l => l.Length > 0) : null;
            throw new EmbeddedPostgresException($"PostgreSQL did not start in {DataDirectory}: {reason ?? start.LastLine}");
        }

        Log.EmbeddedPostgresStarted(_log, DataDirectory, SocketDirectory);
    }

    private Task<ExternalProcess.Outcome> PgCtlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync("pg_ctl", arguments, cancellationToken);

    private Task<ExternalProcess.Outcome> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ExternalProcess.RunAsync(Path.Combine(_bin, tool), arguments, _runAs.Length > 0 ? _runAs : null, cancellationToken);

    /// <summary>
    /// The socket lives in the data directory, which only the server's user may enter; when that path is too
    /// long for a unix socket (108 bytes), in a private directory under /tmp named after the data directory.
    /// </summary>
    private static string ChooseSocketDirectory(string dataDirectory)
    {
        if (Encoding.UTF8.GetByteCount(dataDirectory) + "/.s.PGSQL.5432.lock".Length < 100)
        {
            return dataDirectory;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..12];
        return Path.Combine(Path.GetTempPath(), $"sentinel-pg-{hash}");
    }

    private static async Task GiveToServerUserAsync(string user, string dataDirectory, string socketDirectory, CancellationToken cancellationToken)
    {
        var exists = await ExternalProcess.RunAsync("id", ["-u", user], null, cancellationToken).ConfigureAwait(false);
        if (!exists.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"Sentinel runs as root, and PostgreSQL refuses to; the user \"{user}\" that should run it does not exist " +
                "(create it, or set Sentinel:EmbeddedPostgres:ServerUser to another unprivileged user)");
        }

        await ChownAsync(user, dataDirectory, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (socketDirectory != dataDirectory)
        {
            await ChownAsync(user, socketDirectory, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(socketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var reachable = await ExternalProcess.RunAsync("test", ["-w", dataDirectory, "-a", "-x", dataDirectory], user, cancellationToken).ConfigureAwait(false);
        if (!reachable.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"the {user} user that runs PostgreSQL cannot reach {dataDirectory} (a parent directory is not searchable by other users); " +
                "set --data-dir (Sentinel:EmbeddedPostgres:DataDirectory) to a directory it can reach, such as /var/lib/sentinel/pg");
        }
    }

    private static async Task ChownAsync(string user, string path, CancellationToken cancellationToken)
    {
        var chown = await ExternalProcess.RunAsync("chown", [$"{user}:", path], null, cancellationToken).ConfigureAwait(false);
        if (!chown.Succeeded)
        {
            throw new EmbeddedPostgresException($"cannot give {path} to the {user} user that runs PostgreSQL: {chown.LastLine}");
        }
    }
}

/// <summary>The embedded cluster could not be started; the message says why in one line.</summary>
internal sealed class EmbeddedPostgresException(string message) : Exception(message);
