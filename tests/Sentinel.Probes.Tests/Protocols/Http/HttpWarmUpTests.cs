using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>The one-shot warm-up must exercise the successful paths (a failing warm-up would warm the wrong code).</summary>
public sealed class HttpWarmUpTests
{
    [Fact]
    public async Task RunAsync_EveryWarmUpRun_IsUpOverHttpsWithARedirectAndAGzipBody()
    {
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
        var results = new List<ProbeResult>();

        await HttpWarmUp.RunAsync(TimeProvider.System, async check => results.Add(await runner.RunAsync(check, CancellationToken.None)), CancellationToken.None);

        Assert.Equal(10, results.Count);
        Assert.All(results, r => Assert.True(r.Status == ProbeStatus.Up, string.Join("; ", r.Problems.Select(p => p.Message))));
        var https = results.Where(r => r.Target.StartsWith("https://", StringComparison.Ordinal)).ToList();
        Assert.All(https, r => Assert.Equal(1, r.Measurements["http.redirects"].Number));
        Assert.All(https, r => Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"], r.Phases.Select(p => p.Name)));
        Assert.All(results, r => Assert.Equal(9, r.Measurements["http.body_bytes"].Number));
    }
}
