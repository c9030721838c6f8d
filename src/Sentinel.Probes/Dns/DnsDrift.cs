using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;
using Sentinel.Probes.Running;

namespace Sentinel.Probes.Dns;

/// <summary>The stored baseline of a check: the question it answers and the normalised answer set.</summary>
/// <param name="Query">The question, e.g. <c>www.example.com. A</c>; a baseline of another question does not apply.</param>
/// <param name="Answers">The answer set in normal form, sorted.</param>
internal sealed record DnsBaseline([property: JsonRequired] string Query, [property: JsonRequired] IReadOnlyList<string> Answers)
{
    public string ToJson() => JsonSerializer.Serialize(this, DnsJsonContext.Default.DnsBaseline);

    /// <summary>Reads a stored baseline; null when it is not one (edited by hand, or another version's).</summary>
    public static DnsBaseline? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DnsJsonContext.Default.DnsBaseline) is { Query: not null, Answers: not null } baseline
                && baseline.Answers.All(a => a is not null)
                ? baseline with { Answers = baseline.Answers.Order(StringComparer.Ordinal).ToArray() }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The last drift verdict of a check, as stored under <see cref="DnsDrift.VerdictKey"/>.</summary>
/// <param name="Query">The question it is for.</param>
/// <param name="Drifted">Whether an answer set differed from the baseline.</param>
internal sealed record DnsDriftVerdict([property: JsonRequired] string Query, [property: JsonRequired] bool Drifted)
{
    public string ToJson() => JsonSerializer.Serialize(this, DnsJsonContext.Default.DnsDriftVerdict);

    /// <summary>Reads a stored verdict; null when it is not one.</summary>
    public static DnsDriftVerdict? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DnsJsonContext.Default.DnsDriftVerdict) is { Query: not null } verdict ? verdict : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What drift detection concluded in one run.</summary>
/// <param name="Baseline">The baseline compared with (or taken now), when there is one.</param>
/// <param name="Since">When it was stored.</param>
/// <param name="By">Who stored it.</param>
/// <param name="TakenNow">Whether this run stored it.</param>
/// <param name="Drifted">Whether an answer set differed from it; null when nothing was compared and nothing is known.</param>
/// <param name="Carried">Whether <paramref name="Drifted"/> is the last known state, carried over a run in which no server answered validly.</param>
/// <param name="Changes">When drifted, what differs: one entry per distinct answer set that differs from the baseline.</param>
internal sealed record DnsDriftOutcome(DnsBaseline? Baseline, DateTimeOffset? Since, string? By, bool TakenNow, bool? Drifted, bool Carried = false, IReadOnlyList<DnsDriftChange>? Changes = null);

/// <summary>One answer set that differs from the baseline: the servers that gave it and the records added and removed.</summary>
/// <param name="Servers">The servers that answered so, as written in the check.</param>
/// <param name="Added">Records in the answer and not in the baseline, in normal form.</param>
/// <param name="Removed">Records in the baseline and not in the answer, in normal form.</param>
internal sealed record DnsDriftChange(IReadOnlyList<string> Servers, IReadOnlyList<string> Added, IReadOnlyList<string> Removed);

/// <summary>
/// Drift detection for <c>"drift": "baseline"</c>. The baseline is one answer set per check, stored through
/// <see cref="ICheckStateStore"/> (PostgreSQL's check_state in the daemon) with when and by whom. The first run
/// that succeeds with all servers agreeing takes it; each later run compares the answer set of every server that
/// answered validly with it and reports records added and removed as <c>dns_drift</c>. TTLs and record order are
/// not part of a set, so TTL changes and round-robin rotation are not drift. Only <c>sentinel dns accept</c>
/// replaces a baseline. The verdict is kept too (key <see cref="VerdictKey"/>, written when it changes), so that
/// a run in which no server answered validly reports the last known state rather than none.
/// </summary>
internal static class DnsDrift
{
    /// <summary>The check_state key of the baseline.</summary>
    public const string StateKey = "dns.baseline";

    /// <summary>The check_state key of the last drift verdict: <c>{"query": ..., "drifted": true}</c>.</summary>
    public const string VerdictKey = "dns.drift";

    public static async Task<DnsDriftOutcome> EvaluateAsync(
        CheckDefinition check, DnsQuery query, IReadOnlyList<DnsServerAnswer> answered, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        var question = query.ToString();
        CheckState? stored;
        try
        {
            stored = await context.State.GetAsync(check.Id, StateKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError, $"the drift baseline of {check.Id} could not be read: {ex.Message}",
                "this node cannot reach its database; the answers were not compared with the baseline");
            return new DnsDriftOutcome(null, null, null, false, null);
        }

        var baseline = stored is null ? null : DnsBaseline.FromJson(stored.Json);
        if (stored is not null && baseline is null)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError, $"the stored drift baseline of {check.Id} is not readable",
                $"replace it with the current answers: sentinel dns accept {check.Id}");
            return new DnsDriftOutcome(null, null, null, false, null);
        }

        if (answered.Count == 0)
        {
            return baseline is not null && baseline.Query == question
                ? await CarryAsync(check, question, baseline, stored!, context, cancellationToken).ConfigureAwait(false)
                : new DnsDriftOutcome(null, null, null, false, null);
        }

        if (baseline is null || baseline.Query != question)
        {
            // No baseline yet, or one for another question (the check was edited): the first good answer sets it.
            return await TakeAsync(check, question, answered, context, result, cancellationToken).ConfigureAwait(false);
        }

        var drifted = false;
        var found = new List<DnsDriftChange>();
        foreach (var group in answered.GroupBy(a => string.Join('\n', a.NormalisedAnswers)))
        {
            var answers = group.First().NormalisedAnswers;
            var added = answers.Except(baseline.Answers, StringComparer.Ordinal).ToList();
            var removed = baseline.Answers.Except(answers, StringComparer.Ordinal).ToList();
            if (added.Count == 0 && removed.Count == 0)
            {
                continue;
            }

            drifted = true;
            found.Add(new DnsDriftChange(group.Select(a => a.Server.Name).ToList(), added, removed));
            var servers = string.Join(", ", group.Select(a => a.Server.Name));
            var changes = string.Join("; ", new[] { ("added", added), ("removed", removed) }
                .Where(c => c.Item2.Count > 0).Select(c => $"{c.Item1} {DnsExpectations.List(c.Item2)}"));
            result.Fail(Layers.Dns, FailureCategories.DnsDrift,
                $"the answer of {servers} for {question} drifted from the baseline of {stored!.UpdatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({stored.UpdatedBy}): {changes}",
                $"if the change is intended, make it the new baseline with: sentinel dns accept {check.Id}");
        }

        await RecordAsync(check, question, drifted, context, result, cancellationToken).ConfigureAwait(false);
        return new DnsDriftOutcome(baseline, stored!.UpdatedAt, stored.UpdatedBy, false, drifted, Changes: found);
    }

    /// <summary>The last verdict for this baseline, for a run that compared nothing; unknown when none was recorded.</summary>
    private static async Task<DnsDriftOutcome> CarryAsync(
        CheckDefinition check, string question, DnsBaseline baseline, CheckState stored, ProbeContext context, CancellationToken cancellationToken)
    {
        bool? drifted;
        try
        {
            drifted = Verdict(await context.State.GetAsync(check.Id, VerdictKey, cancellationToken).ConfigureAwait(false), question);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing was compared in this run anyway; without the last verdict the series is absent, as before one.
            drifted = null;
        }

        return new DnsDriftOutcome(baseline, stored.UpdatedAt, stored.UpdatedBy, false, drifted, Carried: drifted is not null);
    }

    /// <summary>Stores the verdict when it differs from the stored one, so that a steady check writes nothing.</summary>
    private static async Task RecordAsync(CheckDefinition check, string question, bool drifted, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        try
        {
            if (Verdict(await context.State.GetAsync(check.Id, VerdictKey, cancellationToken).ConfigureAwait(false), question) != drifted)
            {
                await context.State.SetAsync(check.Id, VerdictKey, VerdictJson(question, drifted), $"dns probe on {context.Node}", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            result.Warn(Layers.Probe, FailureCategories.ProbeError, $"the drift verdict of {check.Id} could not be stored: {ex.Message}",
                "this node cannot reach its database; a later run in which no server answers may not know whether the check drifted");
        }
    }

    private static string VerdictJson(string question, bool drifted) => new DnsDriftVerdict(question, drifted).ToJson();

    /// <summary>The stored verdict for <paramref name="question"/>, or null (none, another question's, or unreadable).</summary>
    private static bool? Verdict(CheckState? state, string question) =>
        state is not null && DnsDriftVerdict.FromJson(state.Json) is { } verdict && verdict.Query == question ? verdict.Drifted : null;

    /// <summary>
    /// What <c>sentinel dns accept</c> does (<see cref="BaselineAcceptance"/>): runs the check once (with its probe
    /// among <paramref name="types"/>) against an empty state, so that its current answer set is taken as a fresh
    /// baseline by the probe's own rules, then stores that baseline in <paramref name="store"/> as
    /// <paramref name="by"/>. Nothing is stored when the run fails; the result says why.
    /// </summary>
    public static async Task<(ProbeResult Result, DnsBaseline? Accepted)> AcceptAsync(
        ProbeTypes types, CheckDefinition check, ProbeContext context, ICheckStateStore store, string by, CancellationToken cancellationToken)
    {
        var (result, accepted) = await BaselineAcceptance.AcceptAsync(types, check, context, store, StateKey, by, r => r.Success, cancellationToken).ConfigureAwait(false);
        if (accepted is null)
        {
            return (result, null);
        }

        // The current answer is the baseline now, so it has not drifted; a run that compares nothing carries this.
        if (DnsBaseline.FromJson(accepted) is { } baseline)
        {
            await store.SetAsync(check.Id, VerdictKey, VerdictJson(baseline.Query, false), by, cancellationToken).ConfigureAwait(false);
        }

        if (result.Details is DnsDetails { Drift: { } drift } details)
        {
            // The run took the baseline in a scratch store; the one that counts is stored by the acceptor.
            result = result with { Details = details.With(drift with { By = by }) };
        }

        return (result, DnsBaseline.FromJson(accepted));
    }

    private static async Task<DnsDriftOutcome> TakeAsync(
        CheckDefinition check, string question, IReadOnlyList<DnsServerAnswer> answered, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        if (result.HasFailed || answered.Count == 0)
        {
            // Only a good answer may become the baseline; a failing run waits for a better one.
            return new DnsDriftOutcome(null, null, null, false, null);
        }

        var sets = answered.Select(a => a.NormalisedAnswers).DistinctBy(s => string.Join('\n', s)).ToList();
        if (sets.Count > 1)
        {
            result.Warn(Layers.Dns, FailureCategories.DnsDisagreement,
                $"no drift baseline was taken for {question}: the servers' answers differ ({string.Join("; ", answered.Select(a => $"{a.Server.Name} {DnsExpectations.List(a.NormalisedAnswers)}"))})",
                "a baseline is one answer set; set \"agree\": true to require the servers to agree, or give each server its own check");
            return new DnsDriftOutcome(null, null, null, false, null);
        }

        var baseline = new DnsBaseline(question, sets[0]);
        var by = $"dns probe on {context.Node}";
        try
        {
            await context.State.SetAsync(check.Id, StateKey, baseline.ToJson(), by, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError, $"the drift baseline of {check.Id} could not be stored: {ex.Message}",
                "this node cannot reach its database; the next run will try again");
            return new DnsDriftOutcome(null, null, null, false, null);
        }

        await RecordAsync(check, question, false, context, result, cancellationToken).ConfigureAwait(false);
        return new DnsDriftOutcome(baseline, context.Time.GetUtcNow(), by, true, false);
    }
}
