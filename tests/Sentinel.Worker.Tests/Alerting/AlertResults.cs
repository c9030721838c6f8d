using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Tests.Alerting;

/// <summary>Checks and results for alerting tests: each result has its own id and start, as the runner gives them.</summary>
internal static class AlertResults
{
    public static CheckDefinition Check(string alert = "{}", string id = "payments-api") =>
        CheckParser.Parse(
            $$"""{ "id": "{{id}}", "name": "Payments API", "type": "tcp", "target": "127.0.0.1:443", "alert": {{alert}} }""",
            "t.json", ProbeCatalog.Default.Checks).Checks[0].Definition;

    public static ProbeResult Down(CheckDefinition check, DateTimeOffset at) => Build(check, at, b =>
    {
        b.Phase("connect", TimeSpan.FromMilliseconds(0.4));
        b.Fail("tcp", FailureCategories.TcpRefused, "127.0.0.1:443 refused the connection: nothing is listening on port 443",
            "nothing listens on 127.0.0.1:443; is the service running, and bound to this address and port?");
    });

    /// <summary>A result that fails only because its DNS answer drifted, or (with <paramref name="alsoRefused"/>) for that and another reason.</summary>
    public static ProbeResult Drifted(CheckDefinition check, DateTimeOffset at, bool alsoRefused = false) => Build(check, at, b =>
    {
        b.Fail("dns", FailureCategories.DnsDrift, "the answer drifted from the baseline: added [x. A 192.0.2.2]", "accept it or find out who changed the zone");
        if (alsoRefused)
        {
            b.Fail("tcp", FailureCategories.TcpRefused, "127.0.0.1:443 refused the connection", "is the service running?");
        }
    });

    public static ProbeResult Up(CheckDefinition check, DateTimeOffset at) => Build(check, at, b => b.Phase("connect", TimeSpan.FromMilliseconds(0.3)));

    public static ProbeResult Degraded(CheckDefinition check, DateTimeOffset at) =>
        Build(check, at, b => b.Warn("assertion", "assertion_failed", "tcp.duration.connect_ms is 90, above 50", "the target is slow"));

    public static ProbeResult Unknown(CheckDefinition check, DateTimeOffset at) =>
        Build(check, at, b => b.Fail(Layers.Probe, "probe_error", "too many open files", "raise the file descriptor limit of sentinel"));

    private static ProbeResult Build(CheckDefinition check, DateTimeOffset at, Action<ProbeResultBuilder> build)
    {
        var builder = new ProbeResultBuilder(check);
        build(builder);
        return builder.Build() with { Id = Guid.CreateVersion7(at), StartedAt = at, Duration = TimeSpan.FromMilliseconds(1) };
    }
}
