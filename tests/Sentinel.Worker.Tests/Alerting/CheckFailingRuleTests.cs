using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Worker.Alerting;
using Xunit;
using static Sentinel.Worker.Tests.Alerting.AlertResults;

namespace Sentinel.Worker.Tests.Alerting;

public sealed class CheckFailingRuleTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private Alert _alert = new() { Kind = AlertKinds.CheckFailing, Key = "payments-api", Title = "Payments API", Severity = "critical" };

    [Fact]
    public void Apply_ConsecutiveFailures_FiresAtTheNthOnly()
    {
        var rule = Rule(after: 3);
        var check = Check();

        var events = Feed(rule, check, 'D', 'D', 'D', 'D', 'D');

        Assert.Equal([null, null, AlertEvent.Firing, null, null], events);
        Assert.Equal(AlertState.Firing, _alert.State);
        Assert.Equal(Start, _alert.Since);
        Assert.Equal(FailureCategories.TcpRefused, _alert.Reason);
    }

    [Fact]
    public void Apply_PassBetweenFailures_StartsTheCountAgainWhenConsecutive()
    {
        var events = Feed(Rule(after: 2), Check(), 'D', 'U', 'D', 'U', 'D', 'D');

        Assert.Equal([null, null, null, null, null, AlertEvent.Firing], events);
    }

    [Fact]
    public void Apply_AfterOfWithin_FiresWhenEnoughOfTheWindowFailed()
    {
        var rule = Rule(after: 2, within: 4);

        var events = Feed(rule, Check(), 'D', 'U', 'U', 'U', 'D', 'U', 'D');

        // D U U U: one failure in four; then D (U U U D: one), U (U U D U: one), D (U D U D: two).
        Assert.Equal([null, null, null, null, null, null, AlertEvent.Firing], events);
    }

    [Fact]
    public void Apply_PendingFailuresThatLeaveTheWindow_GoBackToOk()
    {
        Feed(Rule(after: 2, within: 2), Check(), 'D');
        Assert.Equal(AlertState.Pending, _alert.State);

        Feed(Rule(after: 2, within: 2), Check(), 'U', 'U');

        Assert.Equal(AlertState.Ok, _alert.State);
    }

    [Fact]
    public void Apply_ResolveAfter_NeedsThatManyConsecutivePasses()
    {
        var rule = Rule(after: 1, resolveAfter: 2);

        var events = Feed(rule, Check(), 'D', 'U', 'D', 'U', 'U', 'U');

        Assert.Equal([AlertEvent.Firing, null, null, null, AlertEvent.Resolved, null], events);
        Assert.Equal(AlertState.Resolved, _alert.State);
    }

    [Fact]
    public void Apply_AfterResolving_OldFailuresDoNotCountTowardTheNextFiring()
    {
        var rule = Rule(after: 2, within: 5);

        var events = Feed(rule, Check(), 'D', 'D', 'U', 'D', 'D');

        Assert.Equal([null, AlertEvent.Firing, AlertEvent.Resolved, null, AlertEvent.Firing], events);
    }

    [Fact]
    public void Apply_Repeat_RemindsEveryRepeatOfWallClockWhileFiring()
    {
        var rule = Rule(after: 1, repeat: TimeSpan.FromHours(4));
        var check = Check();

        Assert.Equal([AlertEvent.Firing], Feed(rule, check, 'D'));
        _time.Advance(TimeSpan.FromHours(3));
        Assert.Equal([null], Feed(rule, check, 'D'));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal([AlertEvent.Reminder], Feed(rule, check, 'D'));
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal([null], Feed(rule, check, 'D'));
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal([AlertEvent.Reminder], Feed(rule, check, 'D'));
        Assert.Equal(3, _alert.Sequence);
    }

    [Fact]
    public void Apply_RepeatZero_NeverReminds()
    {
        var rule = Rule(after: 1, repeat: TimeSpan.Zero);
        Feed(rule, Check(), 'D');

        _time.Advance(TimeSpan.FromDays(30));

        Assert.Equal([null, null], Feed(rule, Check(), 'D', 'D'));
    }

    [Fact]
    public void Apply_Degraded_FailsAWarningAlertOnly()
    {
        var check = Check();

        var critical = Feed(Rule(after: 2), check, 'G', 'G', 'G');
        _alert = _alert with { State = AlertState.Ok, Recent = string.Empty, LastResultAt = null, LastResultId = null };
        var warning = Feed(Rule(after: 2, severity: AlertSeverity.Warning), check, 'G', 'G', 'G');

        Assert.Equal([null, null, null], critical);
        Assert.Equal([null, AlertEvent.Firing, null], warning);
    }

    [Fact]
    public void Apply_Unknown_NeverFiresNorBreaksAStreak()
    {
        var rule = Rule(after: 2);

        var unknowns = Feed(rule, Check(), Enumerable.Repeat('?', 50).ToArray());
        var streak = Feed(rule, Check(), 'D', '?', 'D');

        Assert.All(unknowns, e => Assert.Null(e));
        Assert.Equal([null, null, AlertEvent.Firing], streak);
    }

    [Fact]
    public void Apply_FailingOnlyByDnsDrift_CountsAsAPassSinceTheDriftAlertSpeaksForIt()
    {
        var rule = Rule(after: 2);
        var check = Check();
        var onlyDrift = new List<AlertEvent?>();
        for (var i = 0; i < 5; i++)
        {
            onlyDrift.Add(Apply(rule, check, Drifted(check, _time.GetUtcNow())));
        }

        Assert.All(onlyDrift, e => Assert.Null(e));
        Assert.Equal(AlertState.Ok, _alert.State);
        Assert.Equal("PP", _alert.Recent); // passes, one window's worth (two runs) kept

        // Drift beside another failure is a failure.
        Assert.Null(Apply(rule, check, Drifted(check, _time.GetUtcNow(), alsoRefused: true)));
        Assert.Equal(AlertEvent.Firing, Apply(rule, check, Drifted(check, _time.GetUtcNow(), alsoRefused: true)));
    }

    private AlertEvent? Apply(EffectiveAlertRule rule, CheckDefinition check, ProbeResult result)
    {
        var decision = CheckFailingRule.Apply(_alert, rule, check, result, _time.GetUtcNow());
        _alert = decision?.Next ?? _alert;
        _time.Advance(TimeSpan.FromMinutes(1));
        return decision?.Event;
    }

    [Fact]
    public void Apply_PassesOfAnOkCheck_KeepOneWindowOfOutcomesAndChangeOnlyTheBookkeeping()
    {
        var rule = Rule(after: 2, within: 4);
        var check = Check();

        Feed(rule, check, 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U');
        Assert.Equal("PPPP", _alert.Recent);
        var before = _alert;
        var pass = Up(check, _time.GetUtcNow());
        var decision = CheckFailingRule.Apply(_alert, rule, check, pass, _time.GetUtcNow())!;
        Assert.Equal(before with { LastResultId = pass.Id, LastResultAt = pass.StartedAt, UpdatedAt = _time.GetUtcNow() }, decision.Next);

        // The window still counts as if every pass had been kept: D (P P P F: one), U (P P F P: one), D (P F P F: two).
        var events = Feed(rule, check, 'D', 'U', 'D');
        Assert.Equal([null, null, AlertEvent.Firing], events);
    }

    [Fact]
    public void Apply_FailuresOfAFiringCheck_KeepOneWindowOfOutcomesAndStillRemindAndResolve()
    {
        var rule = Rule(after: 2, within: 3, resolveAfter: 2, repeat: TimeSpan.FromMinutes(6));
        var check = Check();

        Assert.Equal([null, null, AlertEvent.Firing, null], Feed(rule, check, 'D', 'U', 'D', 'D'));
        Assert.Equal("FPFF", _alert.Recent);

        // One more failure leaves the window all failures: from then on a failure changes only the bookkeeping.
        Feed(rule, check, 'D');
        Assert.Equal("FPFFF", _alert.Recent);
        var before = _alert;
        var failure = Down(check, _time.GetUtcNow());
        var decision = CheckFailingRule.Apply(_alert, rule, check, failure, _time.GetUtcNow())!;
        Assert.Null(decision.Event);
        Assert.Equal(before with { LastResultId = failure.Id, LastResultAt = failure.StartedAt, UpdatedAt = _time.GetUtcNow() }, decision.Next);

        // A reminder that is due is still sent, quoting a whole window of failures; one pass is not enough to resolve.
        var events = Feed(rule, check, 'D', 'D', 'D', 'D', 'D', 'U');
        Assert.Equal([null, null, null, AlertEvent.Reminder, null, null], events);
        Assert.Equal(AlertState.Firing, _alert.State);
        Assert.Equal([AlertEvent.Resolved], Feed(rule, check, 'U'));
    }

    [Fact]
    public void Apply_SameResultTwice_CountsItOnce()
    {
        var rule = Rule(after: 2);
        var check = Check();
        var result = Down(check, _time.GetUtcNow());

        _alert = CheckFailingRule.Apply(_alert, rule, check, result, _time.GetUtcNow())!.Next;

        Assert.Null(CheckFailingRule.Apply(_alert, rule, check, result, _time.GetUtcNow()));
        Assert.Null(CheckFailingRule.Apply(_alert, rule, check, Down(check, _time.GetUtcNow().AddSeconds(-30)), _time.GetUtcNow()));
        Assert.Equal("F", _alert.Recent);
    }

    /// <summary>Feeds results one minute apart: D down, U up, G degraded, ? unknown; returns each one's event.</summary>
    private List<AlertEvent?> Feed(EffectiveAlertRule rule, CheckDefinition check, params char[] outcomes)
    {
        var events = new List<AlertEvent?>();
        foreach (var outcome in outcomes)
        {
            var at = _time.GetUtcNow();
            var result = outcome switch
            {
                'D' => Down(check, at),
                'U' => Up(check, at),
                'G' => Degraded(check, at),
                _ => Unknown(check, at),
            };
            var decision = CheckFailingRule.Apply(_alert, rule, check, result, at);
            if (decision is not null)
            {
                _alert = decision.Next;
            }

            events.Add(decision?.Event);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        return events;
    }

    private static EffectiveAlertRule Rule(int after, int? within = null, int resolveAfter = 1, TimeSpan? repeat = null, AlertSeverity severity = AlertSeverity.Critical) =>
        new(after, within ?? after, resolveAfter, repeat ?? TimeSpan.Zero, severity, ["sre-oncall"]);
}
