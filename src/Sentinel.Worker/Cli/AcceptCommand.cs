using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>What one <c>sentinel KIND accept CHECK_ID</c> command needs to know about its kind of baseline.</summary>
internal sealed record AcceptKind
{
    /// <summary>The parent command's name: <c>dns</c>, <c>audit</c>; the acceptor is recorded as <c>sentinel NAME accept by USER@HOST</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The accept command's description.</summary>
    public required string Description { get; init; }

    /// <summary>The check argument's description.</summary>
    public required string CheckDescription { get; init; }

    /// <summary>The check_state key of the baseline.</summary>
    public required string StateKey { get; init; }

    /// <summary>Why the check has no such baseline (the message after "sentinel: "), or null when it has one.</summary>
    public required Func<CheckDefinition, string?> Refusal { get; init; }

    /// <summary>Runs the check once and stores its baseline as the acceptor; returns the result and the accepted value's JSON, or null.</summary>
    public required Func<CheckDefinition, ProbeContext, ICheckStateStore, string, CancellationToken, Task<(ProbeResult Result, string? Accepted)>> AcceptAsync { get; init; }

    /// <summary>What to print when nothing was accepted, for the check id and the run's result.</summary>
    public required Func<string, ProbeResult, string> NothingAccepted { get; init; }

    /// <summary>The lines to print about the accepted value (its JSON), given the check id, the acceptor and the baseline it replaced.</summary>
    public required Func<string, string, string, CheckState?, IEnumerable<string>> Describe { get; init; }
}

/// <summary>
/// <c>sentinel KIND accept CHECK_ID</c>: runs a check (as stored in the database) once and makes its current state
/// the check's baseline, noting the command and the user. A running daemon compares with the new baseline from its
/// next run on, since it reads the baseline at every run. Shared by every probe that keeps a baseline.
/// </summary>
internal static class AcceptCommand
{
    public static Command Create(AcceptKind kind, TextWriter stdout, TextWriter stderr)
    {
        var checkId = new Argument<string>("check") { Description = kind.CheckDescription };
        var database = new DatabaseCliOptions();
        var accept = new Command("accept", kind.Description) { checkId };
        database.AddTo(accept);
        accept.SetAction((parse, cancellationToken) => CommandFailures.ReportAsync(stderr, async () =>
        {
            var configuration = database.Build(parse);
            var node = ValidatedOptions.Bind<NodeOptions, NodeOptionsValidator>(configuration, NodeOptions.Section).Name;
            await using var db = DatabaseConnection.Create(configuration, DatabaseUse.Command);
            await db.StartAsync(NullLogger.Instance, cancellationToken).ConfigureAwait(false);
            return await AcceptAsync(kind, db, parse.GetValue(checkId)!, node, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }));
        return accept;
    }

    /// <summary>How a stored baseline's origin is printed: <c>2026-03-01 12:00:00Z (sentinel dns accept by ops@host)</c>.</summary>
    public static string Stored(CheckState state) => $"{state.UpdatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({state.UpdatedBy})";

    private static async Task<int> AcceptAsync(AcceptKind kind, DatabaseConnection db, string id, string node, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!await new Migrations(db, NullLogger<Migrations>.Instance).IsUpToDateAsync(cancellationToken).ConfigureAwait(false))
        {
            await stderr.WriteLineAsync("sentinel: the database has no current Sentinel schema; run 'sentinel migrate' (or start 'sentinel run') first").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        if (await new CheckStore(db.DataSource).FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            await stderr.WriteLineAsync($"sentinel: no check has the id \"{id}\" in the database (file checks are stored there when 'sentinel run' reads the checks folder)").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var document = CheckParser.Parse(stored.Definition, $"check {id} in the database", ProbeCatalog.Default.Checks);
        if (!document.IsValid)
        {
            foreach (var error in document.Errors)
            {
                await stderr.WriteLineAsync($"sentinel: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        var check = document.Checks[0].Definition;
        if (kind.Refusal(check) is { } refusal)
        {
            await stderr.WriteLineAsync($"sentinel: {refusal}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var state = new PostgresCheckStateStore(db.DataSource);
        var previous = await state.GetAsync(id, kind.StateKey, cancellationToken).ConfigureAwait(false);
        var by = $"sentinel {kind.Name} accept by {Environment.UserName}@{Environment.MachineName}";
        var (result, accepted) = await kind.AcceptAsync(check, new ProbeContext { Node = node }, state, by, cancellationToken).ConfigureAwait(false);
        ProbeReport.Write(stdout, check, result);
        if (accepted is null)
        {
            await stdout.WriteLineAsync(kind.NothingAccepted(id, result)).ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        foreach (var line in kind.Describe(id, by, accepted, previous))
        {
            await stdout.WriteLineAsync(line).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
