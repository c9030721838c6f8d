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
            if (ListenConflict(configuration) is { } conflict)
            {
                await stderr.WriteLineAsync($"sentinel: {conflict}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

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
            // The generated validators prefix each message with the property name; ours already name the setting.
            var failures = ex.Failures.Select(f => System.Text.RegularExpressions.Regex.Replace(f, "^[A-Za-z]+: (?=Sentinel:)", string.Empty));
            await stderr.WriteLineAsync($"sentinel: invalid configuration: {string.Join("; ", failures)}").ConfigureAwait(false);
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

    /// <summary>
    /// Whether the listen address is taken, checked before the host starts so that the common mistake (a second
    /// Sentinel on the same port) is one line, not a start-up failure with a stack trace.
    /// </summary>
    private static string? ListenConflict(IConfiguration configuration)
    {
        var listen = configuration["Sentinel:Http:Listen"] ?? new HttpOptions().Listen;
        if (!Uri.TryCreate(listen, UriKind.Absolute, out var uri) || !System.Net.IPAddress.TryParse(uri.Host, out var address))
        {
            return null;
        }

        using var probe = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            // As Kestrel binds: with SO_REUSEADDR, so a port in TIME_WAIT after a restart is not a conflict.
            probe.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
            probe.Bind(new System.Net.IPEndPoint(address, uri.Port));
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return $"cannot listen on {listen}: {ex.Message} (is another Sentinel running? use --listen to choose another address)";
        }
    }
}
