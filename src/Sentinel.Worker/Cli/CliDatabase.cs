using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>The flags of commands that work on the database: <c>--database</c>, <c>--data-dir</c>, <c>--config</c>.</summary>
internal sealed class DatabaseCliOptions
{
    public Option<string> Database { get; } = new("--database") { Description = "Npgsql connection string (default: the embedded cluster).", HelpName = "CONN" };

    public Option<string> DataDir { get; } = new("--data-dir") { Description = "Data directory of the embedded cluster (default .sentinel/pg).", HelpName = "DIR" };

    public Option<string> Config { get; } = new("--config") { Description = "A JSON configuration file.", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        command.Options.Add(Database);
        command.Options.Add(DataDir);
        command.Options.Add(Config);
    }

    /// <summary>The configuration the flags select, as <c>sentinel run</c> would read it.</summary>
    public IConfigurationRoot Build(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parse.GetValue(Database) is { } database)
        {
            overrides[DatabaseOptions.Key] = database;
        }

        if (parse.GetValue(DataDir) is { } dataDir)
        {
            overrides["Sentinel:EmbeddedPostgres:DataDirectory"] = dataDir;
        }

        return SentinelConfiguration.Build(parse.GetValue(Config), overrides);
    }
}

/// <summary>
/// The database of a short command: the configured server, or the embedded cluster. A cluster that a running
/// daemon already uses is borrowed and left running; one started here is stopped again on dispose.
/// </summary>
internal sealed class CliDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _embedded;

    private CliDatabase(string connectionString, EmbeddedPostgres? embedded)
    {
        _embedded = embedded;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Opens the database; throws <see cref="ConfigurationException"/> for a bad connection string.</summary>
    /// <exception cref="EmbeddedPostgresException">The embedded cluster cannot start.</exception>
    public static async Task<CliDatabase> OpenAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var connectionString = configuration[DatabaseOptions.Key];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return DatabaseOptions.Validate(connectionString) is { } invalid
                ? throw new ConfigurationException(invalid)
                : new CliDatabase(connectionString, null);
        }

        var options = configuration.GetSection(EmbeddedPostgresOptions.Section).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();
        var embedded = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        if (embedded.WasRunning)
        {
            embedded.LeaveRunning();
        }

        return new CliDatabase(embedded.ConnectionString, embedded);
    }

    /// <summary>Whether the schema is there and current; commands other than migrate need it.</summary>
    public Task<bool> IsMigratedAsync(CancellationToken cancellationToken) =>
        new Migrations(DataSource, new DatabaseOptions { ConnectionString = DataSource.ConnectionString }, NullLogger<Migrations>.Instance)
            .IsUpToDateAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync().ConfigureAwait(false);
        }
    }
}
