using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel migrate</c>: applies the database migrations and exits.</summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var database = new Option<string>("--database") { Description = "Npgsql connection string (default: the embedded cluster).", HelpName = "CONN" };
        var dataDir = new Option<string>("--data-dir") { Description = "Data directory of the embedded cluster (default .sentinel/pg).", HelpName = "DIR" };
        var config = new Option<string>("--config") { Description = "A JSON configuration file.", HelpName = "FILE" };
        var command = new Command("migrate", "Apply the database migrations and exit.") { database, dataDir, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (parse.GetValue(database) is { } db)
            {
                overrides[DatabaseOptions.Key] = db;
            }

            if (parse.GetValue(dataDir) is { } dir)
            {
                overrides["Sentinel:EmbeddedPostgres:DataDirectory"] = dir;
            }

            return await MigrateAsync(parse.GetValue(config), overrides, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> MigrateAsync(string? configFile, Dictionary<string, string?> overrides, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        EmbeddedPostgres? embedded = null;
        try
        {
            var configuration = SentinelConfiguration.Build(configFile, overrides);
            var connectionString = configuration[DatabaseOptions.Key];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                using var loggers = SentinelLogging.CreateFactory(configuration["Sentinel:LogFormat"] ?? "text");
                var options = configuration.GetSection(EmbeddedPostgresOptions.Section).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();
                embedded = await EmbeddedPostgres.StartAsync(options, loggers.CreateLogger("Sentinel.Worker.Storage.EmbeddedPostgres"), cancellationToken).ConfigureAwait(false);
                connectionString = embedded.ConnectionString;
            }
            else if (DatabaseOptions.Validate(connectionString) is { } invalid)
            {
                await stderr.WriteLineAsync($"sentinel: {invalid}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var migrations = new Migrations(dataSource, new DatabaseOptions { ConnectionString = connectionString }, NullLogger<Migrations>.Instance);
            var applied = await migrations.ApplyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var name in applied)
            {
                await stdout.WriteLineAsync($"applied {name}").ConfigureAwait(false);
            }

            await stdout.WriteLineAsync($"schema is up to date ({Migrations.Latest})").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (ConfigurationException ex)
        {
            await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is EmbeddedPostgresException or NpgsqlException or MigrationException)
        {
            await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
