using Sentinel.Probes.Audits;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>The JSON and report lines of an audit that stopped early (member <c>audit</c> of http details), pinned byte for byte.</summary>
public sealed class AuditDetailsTests
{
    [Fact]
    public void Details_IncompleteWithoutPosture_WritesTheGoldenJsonAndReport()
    {
        var details = new AuditDetails { Incomplete = "the request with Origin: null failed (tcp_refused)" };
        details.Add(new AuditExchange(
            new AuditRequest("the check's request", "GET", new Uri("https://www.sentinel.test/"), [new("Host", "www.sentinel.test"), new("X-Note", "line\u0001break")]),
            new AuditResponse(204, "No Content", [new("Set-Cookie", "a=1"), new("set-cookie", "b=2; Path=/")])));

        DetailsGolden.Matches("audit-incomplete", details);
    }
}
