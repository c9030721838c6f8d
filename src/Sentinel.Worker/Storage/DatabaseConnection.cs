using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The database Sentinel works on, for the daemon and for every command that touches it: the server
/// <c>Sentinel:Database</c> names or, when none is named, the embedded cluster (<see cref="EmbeddedPostgres"/>),
/// which <see cref="StartAsync"/> starts and <see cref="StopAsync"/> stops again. The connection string and the data
/// source exist from construction, before the cluster runs, so that the daemon's parts can be composed over them
/// while its host owns the cluster's lifetime (<see cref="DatabaseLifetime"/>).
/// </summary>
internal sealed class DatabaseConnection : IAsyncDisposable
{
    private readonly EmbeddedPostgresOptions? _embedded;
    private readonly DatabaseUse _use;
    private EmbeddedPostgres? _cluster;
    private bool _disposed;

    public DatabaseConnection(DatabaseOptions database, EmbeddedPostgresOptions embedded, DatabaseUse use)
    {
        _use = use;
        EmbeddedDataDirectory = embedded.DataDirectory;
        if (database.IsConfigured)
        {
            ConnectionString = database.ConnectionString;
        }
        else
        {
            _embedded = embedded;
            ConnectionString = EmbeddedPostgres.ConnectionStringOf(embedded);
        }

        DataSource = NpgsqlDataSource.Create(WithAutoPrepare(ConnectionString));
        StatementSource = NpgsqlDataSource.Create(WithoutSessionReset(WithAutoPrepare(ConnectionString)));
    }

    /// <summary>
    /// How many statements each connection keeps prepared when the connection string does not say (<c>Max Auto
    /// Prepare</c>): the same few statements run for every result (the alert's read, the batch merges), and preparing
    /// them spares PostgreSQL parsing and planning each again. <c>Max Auto Prepare=0</c> turns it off, for a pooler
    /// in transaction mode that cannot keep prepared statements.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 32;

    /// <summary><paramref name="connectionString"/> with <paramref name="statements"/> (by default <see cref="DefaultMaxAutoPrepare"/>) unless it sets its own.</summary>
    internal static string WithAutoPrepare(string connectionString, int statements = DefaultMaxAutoPrepare) =>
        WithDefault(connectionString, "MaxAutoPrepare", builder => builder.MaxAutoPrepare = statements);

    /// <summary><paramref name="connectionString"/> with <c>No Reset On Close</c> unless it sets it (either way) itself.</summary>
    internal static string WithoutSessionReset(string connectionString) =>
        WithDefault(connectionString, "NoResetOnClose", builder => builder.NoResetOnClose = true);

    /// <summary><paramref name="connectionString"/> as it is when it names <paramref name="key"/> (spaces and case aside), else with <paramref name="set"/> applied.</summary>
    private static string WithDefault(string connectionString, string key, Action<NpgsqlConnectionStringBuilder> set)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals(key, StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        set(builder);
        return builder.ConnectionString;
    }

    /// <summary>
    /// The connection string, password included (Npgsql strips it from <see cref="NpgsqlDataSource.ConnectionString"/>;
    /// tools that open their own connections, such as DbUp, need it whole).
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>
    /// The embedded cluster's data directory as configured (or by default), also when a server is configured: the
    /// node's other local data, such as the result spill file, goes beside it.
    /// </summary>
    public string EmbeddedDataDirectory { get; }

    /// <summary>Connections to the database; usable once <see cref="StartAsync"/> has returned.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// Connections for code that keeps nothing in the session between uses (statements and transactions only: no
    /// advisory lock, temporary table, LISTEN or SET), which go back to the pool without Npgsql's session reset, seven
    /// statements PostgreSQL would otherwise run with the connection's next use. What runs for every result takes its
    /// connections here (alert evaluation's reads), where the reset had cost PostgreSQL more than the reads themselves.
    /// A connection string that sets <c>No Reset On Close</c> keeps its own choice.
    /// </summary>
    public NpgsqlDataSource StatementSource { get; }

    /// <summary>
    /// The database the configuration selects (<see cref="DatabaseOptions"/> and <see cref="EmbeddedPostgresOptions"/>,
    /// bound and validated here), not started yet.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid, such as a connection string that does not parse.</exception>
    public static DatabaseConnection Create(IConfiguration configuration, DatabaseUse use) => new(
        ValidatedOptions.Bind<DatabaseOptions, DatabaseOptionsValidator>(configuration, DatabaseOptions.Section),
        ValidatedOptions.Bind<EmbeddedPostgresOptions, EmbeddedPostgresOptionsValidator>(configuration, EmbeddedPostgresOptions.Section),
        use);

    /// <summary>Starts the embedded cluster (creating it on first use); nothing to do for a configured server.</summary>
    /// <exception cref="EmbeddedPostgresException">No install, or the cluster cannot start; the message says why in one line.</exception>
    public async Task StartAsync(ILogger log, CancellationToken cancellationToken)
    {
        if (_embedded is null)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_cluster is not null)
        {
            return;
        }

        _cluster = await EmbeddedPostgres.StartAsync(_embedded, log, cancellationToken).ConfigureAwait(false);
        if (_cluster.WasRunning && _use == DatabaseUse.Command)
        {
            // A daemon is using it: a short command borrows the cluster and must not take it away.
            _cluster.LeaveRunning();
        }
    }

    /// <summary>
    /// Stops the embedded cluster if <see cref="StartAsync"/> started it (or, for the daemon, found it left running by
    /// an unclean stop); a borrowed cluster and a configured server are left alone. Safe to call more than once.
    /// </summary>
    public async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _cluster, null) is { } cluster)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the data source's connections, then stops the cluster as <see cref="StopAsync"/> does.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await DataSource.DisposeAsync().ConfigureAwait(false);
        await StatementSource.DisposeAsync().ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
    }
}

/// <summary>Who uses a <see cref="DatabaseConnection"/>, which decides what happens to an embedded cluster found running.</summary>
internal enum DatabaseUse
{
    /// <summary>
    /// The daemon: a cluster found running was left so by a Sentinel that did not stop cleanly; the daemon adopts it
    /// and stops it when it stops, as if it had started it.
    /// </summary>
    Daemon,

    /// <summary>
    /// A short command (<c>migrate</c>, <c>dns accept</c>, …): a cluster found running belongs to a running daemon; the
    /// command borrows it and leaves it running. A cluster it started itself it stops again.
    /// </summary>
    Command,
}
