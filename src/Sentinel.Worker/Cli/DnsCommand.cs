using System.CommandLine;
using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel dns accept CHECK_ID</c>: runs a dns check once and makes its current answer set the check's
/// drift baseline in the database, noting the command and the user. A running daemon compares with the new
/// baseline from its next run on, since it reads the baseline at every run.
/// </summary>
internal static class DnsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var checkId = new Argument<string>("check") { Description = "The id of a dns check with \"drift\": \"baseline\"." };
        var database = new DatabaseCliOptions();
        var accept = new Command("accept", "Run a dns check once and make its current answer the drift baseline.") { checkId };
        database.AddTo(accept);
        accept.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var configuration = database.Build(parse);
                await using var db = await CliDatabase.OpenAsync(configuration, cancellationToken).ConfigureAwait(false);
                var node = configuration[$"{NodeOptions.Section}:Name"] ?? Environment.MachineName;
                return await AcceptAsync(db, parse.GetValue(checkId)!, node, stdout, stderr, cancellationToken).ConfigureAwait(false);
            }
            catch (ConfigurationException ex)
            {
                await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (Exception ex) when (ex is EmbeddedPostgresException or NpgsqlException)
            {
                await stderr.WriteLineAsync($"sentinel: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });

        return new Command("dns", "Work with dns checks: accept the current answer as the drift baseline.") { accept };
    }

    private static async Task<int> AcceptAsync(CliDatabase db, string id, string node, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!await db.IsMigratedAsync(cancellationToken).ConfigureAwait(false))
        {
            await stderr.WriteLineAsync("sentinel: the database has no current Sentinel schema; run 'sentinel migrate' (or start 'sentinel run') first").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        if (await new CheckStore(db.DataSource).FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            await stderr.WriteLineAsync($"sentinel: no check has the id \"{id}\" in the database (file checks are stored there when 'sentinel run' reads the checks folder)").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var document = CheckParser.Parse(stored.Definition, $"check {id} in the database");
        if (!document.IsValid)
        {
            foreach (var error in document.Errors)
            {
                await stderr.WriteLineAsync($"sentinel: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        var check = document.Checks[0].Definition;
        if (check.SectionAs<DnsSection>() is not { Drift: DnsDriftMode.Baseline })
        {
            await stderr.WriteLineAsync(check.Type == "dns"
                ? $"sentinel: check \"{id}\" does not compare with a baseline; add \"drift\": \"baseline\" to its dns section"
                : $"sentinel: check \"{id}\" is a {check.Type} check; only dns checks have a drift baseline").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var state = new PostgresCheckStateStore(db.DataSource);
        var previous = await state.GetAsync(id, DnsDrift.StateKey, cancellationToken).ConfigureAwait(false);
        var by = $"sentinel dns accept by {Environment.UserName}@{Environment.MachineName}";
        var context = new ProbeContext { Node = node };
        var (result, accepted) = await DnsDrift.AcceptAsync(check, context, state, by, cancellationToken).ConfigureAwait(false);
        ProbeReport.Write(stdout, check, result);
        if (accepted is null)
        {
            await stdout.WriteLineAsync(NothingAccepted(id, result)).ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await stdout.WriteLineAsync($"accepted {accepted.Answers.Count} record(s) as the baseline of \"{id}\" ({by})").ConfigureAwait(false);
        if (previous is not null && DnsBaseline.FromJson(previous.Json) is { } old && old.Query == accepted.Query)
        {
            var added = accepted.Answers.Except(old.Answers, StringComparer.Ordinal).ToList();
            var removed = old.Answers.Except(accepted.Answers, StringComparer.Ordinal).ToList();
            await stdout.WriteLineAsync(added.Count + removed.Count == 0
                ? $"  unchanged from the baseline of {previous.UpdatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({previous.UpdatedBy})"
                : $"  replacing the baseline of {previous.UpdatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({previous.UpdatedBy}): added [{string.Join(", ", added)}]; removed [{string.Join(", ", removed)}]")
                .ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Why a run took no baseline: it failed, or it passed with servers whose answers differ (one baseline serves them all).</summary>
    private static string NothingAccepted(string id, ProbeResult result)
    {
        if (!result.Success)
        {
            return $"nothing accepted: check \"{id}\" does not pass now; a baseline is only taken from a passing run";
        }

        return result.Problems.Any(p => p.Category == FailureCategories.DnsDisagreement)
            ? $"nothing accepted: check \"{id}\" passes, but its servers' answers differ (above), and one baseline serves them all; " +
              "set \"agree\": true to require them to agree, or give each server its own check"
            : $"nothing accepted: check \"{id}\" passes, but its run took no baseline (see above)";
    }
}
