using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel run</c>: the daemon.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stderr)
    {
        var checks = new Option<string>("--checks") { Description = "Folder of check files, read recursively and watched (default examples/checks).", HelpName = "DIR" };
        var listen = new Option<string>("--listen") { Description = "URL for /metrics, /healthz, /readyz (default http://127.0.0.1:8080).", HelpName = "URL" };
        var role = new Option<string>("--role") { Description = "What this node does: all (default), worker or api.", HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("all", "worker", "api");
        var node = new Option<string>("--node") { Description = "This node's name, recorded with results (default: the host name).", HelpName = "NAME" };
        var logFormat = new Option<string>("--log-format") { Description = "Log lines as text (default) or json.", HelpName = "FORMAT" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var database = new DatabaseCliOptions();
        var command = new Command("run", "Run the daemon: load checks from files, schedule them, store results, serve /metrics.")
        {
            checks, listen, role, node, logFormat,
        };
        database.AddTo(command);
        command.SetAction((parse, _) => CommandFailures.ReportAsync(stderr, () => RunAsync(
            database.Build(
                parse,
                (checks, $"{CheckFilesOptions.Section}:{nameof(CheckFilesOptions.Directory)}"),
                (listen, $"{HttpOptions.Section}:{nameof(HttpOptions.Listen)}"),
                (role, $"{NodeOptions.Section}:{nameof(NodeOptions.Role)}"),
                (node, $"{NodeOptions.Section}:{nameof(NodeOptions.Name)}"),
                (logFormat, SentinelLogging.FormatKey)),
            stderr)));
        return command;
    }

    /// <summary>
    /// Builds and runs the host, which starts the database (the embedded cluster when none is configured) as it
    /// starts and stops it after the last results are written. The daemon handles SIGTERM and Ctrl+C itself.
    /// </summary>
    private static async Task<int> RunAsync(IConfiguration configuration, TextWriter stderr)
    {
        await using var app = SentinelHost.Build(configuration);
        if (ListenConflict(app.Services.GetRequiredService<IOptions<HttpOptions>>().Value.Listen) is { } conflict)
        {
            await stderr.WriteLineAsync($"sentinel: {conflict}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await app.RunAsync().ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Whether the listen address is taken, checked before the host starts so that the common mistake (a second
    /// Sentinel on the same port) is one line, not a start-up failure with a stack trace, and starts no database.
    /// </summary>
    private static string? ListenConflict(string listen)
    {
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
