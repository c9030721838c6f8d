using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel run</c>: the daemon.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stderr)
    {
        var checks = new Option<string>("--checks") { Description = "Folder of check files, read recursively and watched (default examples/checks).", HelpName = "DIR" };
        var database = new Option<string>("--database") { Description = "Npgsql connection string of the database (default: an embedded PostgreSQL cluster).", HelpName = "CONN" };
        var dataDir = new Option<string>("--data-dir") { Description = "Data directory of the embedded PostgreSQL cluster (default .sentinel/pg).", HelpName = "DIR" };
        var listen = new Option<string>("--listen") { Description = "URL for /metrics, /healthz, /readyz (default http://127.0.0.1:8080).", HelpName = "URL" };
        var role = new Option<string>("--role") { Description = "What this node does: all (default), worker or api.", HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("all", "worker", "api");
        var node = new Option<string>("--node") { Description = "This node's name, recorded with results (default: the host name).", HelpName = "NAME" };
        var config = new Option<string>("--config") { Description = "A JSON configuration file (keys as in the README, e.g. {\"Sentinel\": {...}}).", HelpName = "FILE" };
        var logFormat = new Option<string>("--log-format") { Description = "Log lines as text (default) or json.", HelpName = "FORMAT" };
        logFormat.AcceptOnlyFromAmong("text", "json");

        var command = new Command("run", "Run the daemon: load checks from files, schedule them, store results, serve /metrics.")
        {
            checks, database, dataDir, listen, role, node, config, logFormat,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            void Set(Option<string> option, string key)
            {
                if (parse.GetValue(option) is { } value)
                {
                    overrides[key] = value;
                }
            }

            Set(checks, "Sentinel:Checks:Directory");
            Set(database, DatabaseOptions.Key);
            Set(dataDir, "Sentinel:EmbeddedPostgres:DataDirectory");
            Set(listen, "Sentinel:Http:Listen");
            Set(role, "Sentinel:Node:Role");
            Set(node, "Sentinel:Node:Name");
            Set(logFormat, "Sentinel:LogFormat");
            return await RunAsync(parse.GetValue(config), overrides, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, Dictionary<string, string?> overrides, TextWriter stderr, CancellationToken cancellationToken)
    {
        IConfigurationRoot configuration;
        try
        {
            configuration = SentinelConfiguration.Build(configFile, overrides);
        }
        catch (ConfigurationException ex)
        {
            await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var connectionString = configuration[DatabaseOptions.Key];
        if (!string.IsNullOrWhiteSpace(connectionString) && DatabaseOptions.Validate(connectionString) is { } invalid)
        {
            await stderr.WriteLineAsync($"sentinel: {invalid}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var loggers = SentinelLogging.CreateFactory(configuration["Sentinel:LogFormat"] ?? "text");
        EmbeddedPostgres? embedded = null;
        try
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var options = configuration.GetSection(EmbeddedPostgresOptions.Section).Get<EmbeddedPostgresOptions>() ?? new EmbeddedPostgresOptions();
                embedded = await EmbeddedPostgres.StartAsync(options, loggers.CreateLogger("Sentinel.Worker.Storage.EmbeddedPostgres"), cancellationToken).ConfigureAwait(false);
                connectionString = embedded.ConnectionString;
            }

            await using var app = SentinelHost.Build(configuration, connectionString);
            await app.RunAsync().ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (EmbeddedPostgresException ex)
        {
            await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync($"sentinel: invalid configuration: {string.Join("; ", ex.Failures)}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            await stderr.WriteLineAsync($"sentinel: invalid configuration: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (IOException ex) when (ex.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
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
