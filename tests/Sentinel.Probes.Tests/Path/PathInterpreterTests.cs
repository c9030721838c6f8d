using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Probing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The reading of an mtr-style report, on hop figures written out by hand: the cases the lab cannot make
/// (a latency step needs a delaying qdisc this kernel lacks) and the edges of each rule. The lab tests
/// cover the same rules on a real network.
/// </summary>
public sealed class PathInterpreterTests
{
    private static readonly IPAddress Target = IPAddress.Parse("198.18.9.9");

    [Fact]
    public void Interpret_LossOnlyAtAMiddleHop_IsRateLimitingNotAFailure()
    {
        var result = Interpret(Hop(1, 10, 10, 1), Hop(2, 10, 4, 2), Hop(3, 10, 10, 3), Dest(4, 10, 10, 4));

        Assert.Empty(result.Problems);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(PathInterpreter.RateLimitedFinding, finding.Id);
        Assert.Equal("hop 2 (198.18.2.2) lost 60% of its probes, but hop 3 (198.18.3.2) behind it lost 0%: the loss does not carry on, so 198.18.2.2 limits or de-prioritises the ICMP answers it sends; traffic through it is not lost", finding.Message);
    }

    [Fact]
    public void Interpret_LossFromHopTwoToTheDestination_IsPathLossStartingAtHopTwo()
    {
        var result = Interpret(Hop(1, 50, 50, 1), Hop(2, 50, 40, 2), Hop(3, 50, 41, 3), Dest(4, 50, 39, 4));

        var failure = Assert.Single(result.Problems);
        Assert.Equal(FailureCategories.PathLoss, failure.Category);
        Assert.Equal("11 of 50 probes to 198.18.9.9 (22%) were lost; the loss starts at hop 2 (198.18.2.2) and carries on to the destination: packets are lost between hop 1 (198.18.1.2) and hop 2 (198.18.2.2)", failure.Message);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Interpret_RateLimitedHopInFrontOfRealLoss_AttributesTheLossToTheHopAfterIt()
    {
        // Hop 2 answers 30 % of the time (a limiter) and the loss that carries on starts at hop 3.
        var result = Interpret(Hop(1, 100, 100, 1), Hop(2, 100, 30, 2), Hop(3, 100, 80, 3), Dest(4, 100, 79, 4));

        Assert.Contains("the loss starts at hop 3 (198.18.3.2)", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
        Assert.Equal(PathInterpreter.RateLimitedFinding, Assert.Single(result.Findings).Id);
    }

    [Fact]
    public void Interpret_LossOnlyAtTheDestination_SaysSo()
    {
        var result = Interpret(Hop(1, 20, 20, 1), Dest(2, 20, 15, 2));

        Assert.StartsWith("5 of 20 probes to 198.18.9.9 (25%) were lost; the loss starts at the destination itself: packets are lost between hop 1 (198.18.1.2) and hop 2 (198.18.2.2)",
            Assert.Single(result.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interpret_DestinationLossWithinMaxLoss_IsNoFailure()
    {
        var result = Interpret(new PathSection { MaxLoss = 0.1 }, Hop(1, 20, 20, 1), Dest(2, 20, 18, 2));

        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Interpret_SimilarLossAtTwoHopsByChance_IsNotRateLimiting()
    {
        // 30 % and 18 % of 100 are within the noise of one true loss ratio: no finding, loss from hop 2.
        var result = Interpret(Hop(1, 100, 100, 1), Hop(2, 100, 70, 2), Dest(3, 100, 82, 3));

        Assert.Empty(result.Findings);
        Assert.Contains("the loss starts at hop 2", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interpret_LatencyStepThatLasts_IsALatencyJump()
    {
        var result = Interpret(Hop(1, 10, 10, 1, ms: 1), Hop(2, 10, 10, 2, ms: 2), Hop(3, 10, 10, 3, ms: 80), Dest(4, 10, 10, 4, ms: 81));

        var finding = Assert.Single(result.Findings);
        Assert.Equal((PathInterpreter.LatencyJumpFinding, FindingSeverity.Warning), (finding.Id, finding.Severity));
        Assert.Equal("the round trip rises by 78.0 ms from hop 2 (198.18.2.2) (2.0 ms) to hop 3 (198.18.3.2) (80.0 ms) and stays up to the destination", finding.Message);
    }

    [Fact]
    public void Interpret_OneSlowHop_IsNotALatencyJump()
    {
        // A router that builds its ICMP answers slowly looks slow itself, but the hops behind it are not.
        var result = Interpret(Hop(1, 10, 10, 1, ms: 1), Hop(2, 10, 10, 2, ms: 90), Hop(3, 10, 10, 3, ms: 3), Dest(4, 10, 10, 4, ms: 3));

        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Interpret_DestinationNeverAnswered_NamesTheLastHopThatDid()
    {
        var result = Interpret(false, Hop(1, 10, 10, 1), Hop(2, 10, 9, 2), Hop(3, 10, 0, 0));

        var failure = Assert.Single(result.Problems);
        Assert.Equal((Layers.Path, FailureCategories.PathUnreachable), (failure.Layer, failure.Category));
        Assert.Equal("198.18.9.9 never answered; the path stops after hop 2 (198.18.2.2), the last hop that answered", failure.Message);
    }

    [Fact]
    public void Interpret_RouterAnsweredUnreachable_SaysWhy()
    {
        var unreachable = Hop(2, 10, 10, 2);
        unreachable.UnreachableCode = 1;

        var result = Interpret(false, Hop(1, 10, 10, 1), unreachable);

        Assert.Equal("198.18.9.9 was not reached: hop 2 (198.18.2.2) answered that it is unreachable (host unreachable)", Assert.Single(result.Problems).Message);
    }

    [Fact]
    public void Interpret_NoHopAnswered_SaysNotEvenTheFirstRouter()
    {
        var result = Interpret(false, Hop(1, 10, 0, 0));

        Assert.Equal("no hop answered on the way to 198.18.9.9, not even the first router", Assert.Single(result.Problems).Message);
    }

    private static HopStats Hop(int hop, int sent, int received, int host, double ms = 1)
    {
        var stats = new HopStats(hop) { Sent = sent };
        for (var i = 0; i < received; i++)
        {
            stats.Answer(IPAddress.Parse($"198.18.{host}.2"), TimeSpan.FromMilliseconds(ms));
        }

        return stats;
    }

    private static HopStats Dest(int hop, int sent, int received, int host, double ms = 1)
    {
        var stats = Hop(hop, sent, received, host, ms);
        stats.IsDestination = true;
        return stats;
    }

    private static ProbeResult Interpret(params HopStats[] hops) => Interpret(true, hops);

    private static ProbeResult Interpret(bool reached, params HopStats[] hops) => Interpret(new PathSection(), reached, hops);

    private static ProbeResult Interpret(PathSection section, params HopStats[] hops) => Interpret(section, true, hops);

    private static ProbeResult Interpret(PathSection section, bool reached, HopStats[] hops)
    {
        var builder = new ProbeResultBuilder(new CheckDefinition { Id = "t", Name = "t", Type = "path", Target = Target.ToString() });
        PathInterpreter.Interpret(new PathTrace(Target, hops, reached, null), section, builder);
        return builder.Build();
    }
}
