using System.Net;
using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tcp;
using Xunit;

namespace Sentinel.Probes.Tests.Reporting;

/// <summary>The JSON result is a documented interface: its field names and shapes must not drift.</summary>
public sealed class ProbeResultJsonTests
{
    [Fact]
    public void Serialize_Result_HasTheDocumentedFields()
    {
        var check = new CheckDefinition { Id = "db", Name = "db", Type = "tcp", Target = "127.0.0.1:9" };
        var builder = new ProbeResultBuilder(check);
        builder.Phase("resolve", TimeSpan.FromMilliseconds(0.25));
        builder.Phase("connect", TimeSpan.FromMilliseconds(1.5));
        builder.Measure("tcp.duration.connect_ms", 1.5);
        builder.Fail("tcp", "tcp_refused", "refused", "start it");
        builder.Warn("assertion", "assertion_failed", "slow", "look");
        builder.Finding(new Finding("path.hop_rate_limited", FindingSeverity.Info, "hop 3 drops replies", "ignore", [new("hop", "3")]));
        var result = builder.Build() with { StartedAt = DateTimeOffset.UnixEpoch, Duration = TimeSpan.FromMilliseconds(2) };

        var json = ProbeResultJson.Serialize(result);

        Assert.Equal(
            """{"check":"db","type":"tcp","target":"127.0.0.1:9","startedAt":"1970-01-01T00:00:00+00:00","status":"down","success":false,"durationMs":2,"phasesMs":{"resolve":0.25,"connect":1.5},"measurements":{"tcp.duration.connect_ms":1.5},"failure":{"layer":"tcp","category":"tcp_refused","severity":"error","message":"refused","hint":"start it"},"problems":[{"layer":"tcp","category":"tcp_refused","severity":"error","message":"refused","hint":"start it"},{"layer":"assertion","category":"assertion_failed","severity":"warning","message":"slow","hint":"look"}],"findings":[{"id":"path.hop_rate_limited","severity":"info","message":"hop 3 drops replies","hint":"ignore","evidence":{"hop":"3"}}],"details":null}""",
            json);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(json).RootElement.ValueKind);
    }

    [Fact]
    public void Serialize_ResultWithDetailsIndented_EmbedsTheDetailsObject()
    {
        var check = new CheckDefinition { Id = "db", Name = "db", Type = "tcp", Target = "db.example.com:5432" };
        var builder = new ProbeResultBuilder(check)
        {
            Details = new TcpDetails("system", [IPAddress.Parse("192.0.2.10")], new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5432), null),
        };
        builder.Phase("connect", TimeSpan.FromMilliseconds(1.2346));
        var result = builder.Build() with { StartedAt = DateTimeOffset.UnixEpoch, Duration = TimeSpan.FromMilliseconds(1.5) };

        var json = ProbeResultJson.Serialize(result, indented: true);

        Assert.Equal(
            """
            {
              "check": "db",
              "type": "tcp",
              "target": "db.example.com:5432",
              "startedAt": "1970-01-01T00:00:00+00:00",
              "status": "up",
              "success": true,
              "durationMs": 1.5,
              "phasesMs": {
                "connect": 1.235
              },
              "measurements": {},
              "failure": null,
              "problems": [],
              "findings": [],
              "details": {
                "resolver": "system",
                "addresses": [
                  "192.0.2.10"
                ],
                "remote": "192.0.2.10:5432",
                "local": null
              }
            }
            """.ReplaceLineEndings("\n"),
            json.ReplaceLineEndings("\n"));
    }
}
