using System.CommandLine;

namespace Sentinel.Worker.Cli;

/// <summary>The <c>sentinel</c> command line: run, validate, probe, migrate, dns, audit, apikey.</summary>
internal static class SentinelCli
{
    public static RootCommand Create(TextWriter stdout, TextWriter stderr) =>
        new("Sentinel: continuous synthetic monitoring. Runs checks defined in JSON as probes, stores every result in PostgreSQL and exports Prometheus metrics.")
        {
            RunCommand.Create(stderr),
            ValidateCommand.Create(stdout),
            ProbeCommand.Create(stdout, stderr),
            MigrateCommand.Create(stdout, stderr),
            DnsCommand.Create(stdout, stderr),
            AuditCommand.Create(stdout, stderr),
            ApiKeyCommand.Create(stdout, stderr),
        };

    /// <summary>Parses and runs a command line. Usage errors exit with 2 and say what was wrong.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = Create(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"sentinel: {error.Message}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'sentinel --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,

            // The daemon handles SIGTERM and Ctrl+C itself, to stop gracefully and flush results.
            ProcessTerminationTimeout = null,
        }, cancellationToken).ConfigureAwait(false);
    }
}
