using System.CommandLine;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel validate PATH...</c>: checks files and folders the way the daemon and the API do, printing
/// every error with its file, line and JSON path. The alert channels checks may notify are those of the configuration
/// (<c>--config FILE</c> and <c>SENTINEL__…</c> variables, as <c>sentinel run</c> reads them), which is validated too.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var paths = new Argument<string[]>("paths") { Description = "Check files or folders (searched recursively for *.json).", Arity = ArgumentArity.OneOrMore };
        var config = new Option<string>("--config") { Description = "The configuration file sentinel run reads; its alert channels are the names checks may notify.", HelpName = "FILE" };
        var command = new Command("validate", "Validate check files; exit 0 when all are valid, 1 otherwise (2 when the configuration is invalid).") { paths, config };
        command.SetAction((parse, _) => CommandFailures.ReportAsync(stderr, () =>
        {
            var configuration = SentinelConfiguration.Build(parse.GetValue(config), new Dictionary<string, string?>());
            var channels = AlertingConfiguration.Load(configuration).Channels.Keys;
            return Task.FromResult(Validate(parse.GetValue(paths)!, stdout, channels));
        }));
        return command;
    }

    internal static int Validate(IReadOnlyList<string> paths, TextWriter stdout, IReadOnlyCollection<string>? channels = null)
    {
        var documents = CheckFiles.Load(paths, ProbeCatalog.Default.Checks, channels ?? []);
        foreach (var document in documents)
        {
            if (document.IsValid)
            {
                var count = document.Checks.Count;
                stdout.WriteLine($"{document.Source}: OK ({count} check{(count == 1 ? "" : "s")})");
                continue;
            }

            stdout.WriteLine($"{document.Source}: INVALID ({document.Errors.Count} error{(document.Errors.Count == 1 ? "" : "s")})");
            foreach (var error in document.Errors)
            {
                stdout.WriteLine($"  {error}");
            }
        }

        var invalid = documents.Count(d => !d.IsValid);
        var checks = documents.Sum(d => d.Checks.Count);
        stdout.WriteLine($"{documents.Count} file{(documents.Count == 1 ? "" : "s")}: {documents.Count - invalid} valid, {invalid} invalid; {checks} check{(checks == 1 ? "" : "s")}");
        return invalid == 0 && documents.Count > 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
