using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Probing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>Route changes between runs of a path check, on hand-written routes and a real in-memory state store.</summary>
public sealed class RouteHistoryTests
{
    private static readonly CheckDefinition Check = new() { Id = "p", Name = "p", Type = "path", Target = "198.18.9.9" };
    private readonly ProbeContext _context = new() { State = new InMemoryCheckStateStore(new FakeTimeProvider(DateTimeOffset.Parse("2026-01-02T03:04:05Z"))), Node = "node-a" };

    [Fact]
    public async Task CompareAsync_SameRouteTwice_FindsNothing()
    {
        Assert.Empty(await CompareAsync("198.18.1.2", "198.18.2.2", "198.18.9.9"));
        Assert.Empty(await CompareAsync("198.18.1.2", "198.18.2.2", "198.18.9.9"));
    }

    [Fact]
    public async Task CompareAsync_HopAnsweredByAnotherAddress_ReportsTheChange()
    {
        await CompareAsync("198.18.1.2", "198.18.2.2", "198.18.9.9");

        var finding = Assert.Single(await CompareAsync("198.18.1.2", "198.18.7.2", "198.18.9.9"));

        Assert.Equal(RouteHistory.ChangedFinding, finding.Id);
        Assert.Equal("the route to 198.18.9.9 changed since the last run (stored 2026-01-02 03:04:05Z by node-a): hop 2 198.18.2.2 -> 198.18.7.2", finding.Message);
    }

    [Fact]
    public async Task CompareAsync_SilentHop_IsNoChangeAndKeepsItsAddress()
    {
        await CompareAsync("198.18.1.2", "198.18.2.2", "198.18.9.9");

        Assert.Empty(await CompareAsync("198.18.1.2", null, "198.18.9.9"));
        Assert.Single(await CompareAsync("198.18.1.2", "198.18.7.2", "198.18.9.9"));
    }

    [Fact]
    public async Task CompareAsync_DestinationOneHopFurther_ReportsTheHopCount()
    {
        await CompareAsync("198.18.1.2", "198.18.9.9");

        var finding = Assert.Single(await CompareAsync("198.18.1.2", "198.18.2.2", "198.18.9.9"));

        Assert.Contains(new KeyValuePair<string, string>("hops", "2 -> 3"), finding.Evidence!);
        Assert.Contains(new KeyValuePair<string, string>("hop 2", "198.18.9.9 -> 198.18.2.2"), finding.Evidence!);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"route\": 5}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"route\": [[1]]}")]
    [InlineData("{\"route\": [\"198.18.1.2\"]}")]
    [InlineData("{\"route\": [[\"198.18.1.2\"]], \"destinationHop\": \"two\"}")]
    [InlineData("{\"route\": [[\"198.18.1.2\"]], \"previous\": 5}")]
    public async Task CompareAsync_UnreadableStoredState_StartsAfresh(string json)
    {
        await _context.State.SetAsync(Check.Id, RouteHistory.Key, json, "old-version", CancellationToken.None);

        Assert.Empty(await CompareAsync("198.18.1.2", "198.18.9.9"));
        Assert.Contains("\"route\":[[\"198.18.1.2\"],[\"198.18.9.9\"]]", (await _context.State.GetAsync(Check.Id, RouteHistory.Key, CancellationToken.None))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareAsync_RouteStoredByAnEarlierVersion_IsComparedAndKeptInItsFormat()
    {
        await _context.State.SetAsync(
            Check.Id, RouteHistory.Key, """{"route":[["198.18.1.2"],["198.18.2.2","198.18.3.2"]],"destinationHop":3,"previous":null}""", "old-version", CancellationToken.None);

        var finding = Assert.Single(await CompareAsync("198.18.1.2", "198.18.7.2", "198.18.9.9"));

        Assert.Equal([new("hop 2", "198.18.2.2, 198.18.3.2 -> 198.18.7.2")], finding.Evidence!);
        Assert.Equal(
            """{"route":[["198.18.1.2"],["198.18.7.2"],["198.18.9.9"]],"destinationHop":3,"previous":[["198.18.1.2"],["198.18.2.2","198.18.3.2"]]}""",
            (await _context.State.GetAsync(Check.Id, RouteHistory.Key, CancellationToken.None))!.Json);
        Assert.Empty(await CompareAsync("198.18.1.2", null, "198.18.9.9"));
        Assert.Equal(
            """{"route":[["198.18.1.2"],["198.18.7.2"],["198.18.9.9"]],"destinationHop":3,"previous":[["198.18.1.2"],["198.18.2.2","198.18.3.2"]]}""",
            (await _context.State.GetAsync(Check.Id, RouteHistory.Key, CancellationToken.None))!.Json);
    }

    private async Task<IReadOnlyList<Finding>> CompareAsync(params string?[] hops)
    {
        var stats = hops.Select((address, i) =>
        {
            var hop = new HopStats(i + 1) { Sent = 1 };
            if (address is not null)
            {
                hop.Answer(IPAddress.Parse(address), TimeSpan.FromMilliseconds(1));
            }

            return hop;
        }).ToList();
        var result = new ProbeResultBuilder(Check);
        await RouteHistory.CompareAsync(Check, new PathTrace(IPAddress.Parse("198.18.9.9"), stats, hops[^1] == "198.18.9.9", null), _context, result, CancellationToken.None);
        return result.Build().Findings;
    }
}
