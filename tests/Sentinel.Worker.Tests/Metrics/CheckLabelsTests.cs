using Sentinel.Probes.Checks;
using Sentinel.Worker.Metrics;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>The labels of a check's series and of its info series, collisions with the reserved names included.</summary>
public sealed class CheckLabelsTests
{
    [Fact]
    public void Identity_TargetWithQuotesAndBackslashes_IsEscapedAsTheTextFormatAsks() =>
        Assert.Equal("instance=\"https://a.test/?q=\\\"x\\\\y\\\"\",job=\"odd\",type=\"http\"",
            CheckLabels.IdentityText(Check("odd", "https://a.test/?q=\"x\\y\"", new Dictionary<string, string>())));

    [Fact]
    public void InfoLabels_UserLabels_FollowTheNameInNameOrder() =>
        Assert.Equal([("name", "Web"), ("env", "prod"), ("team", "payments")],
            CheckLabels.InfoLabels(Check("web", "a.test:443", new Dictionary<string, string> { ["team"] = "payments", ["env"] = "prod" }, "Web")));

    [Fact]
    public void InfoLabels_UserLabelsNamedLikeReservedOnes_AreExportedWithTheExportedPrefix() =>
        Assert.Equal([("name", "web"), ("exported_instance", "i"), ("exported_job", "j"), ("exported_le", "0.5"), ("exported_name", "n"), ("exported_type", "t")],
            CheckLabels.InfoLabels(Check("web", "a.test:443", new Dictionary<string, string>
            {
                ["job"] = "j", ["instance"] = "i", ["type"] = "t", ["name"] = "n", ["le"] = "0.5",
            })));

    [Fact]
    public void InfoLabels_RenamedLabelTaken_IsPrefixedAgain() =>
        Assert.Equal([("name", "web"), ("exported_exported_job", "j"), ("exported_job", "mine")],
            CheckLabels.InfoLabels(Check("web", "a.test:443", new Dictionary<string, string> { ["job"] = "j", ["exported_job"] = "mine" })));

    private static CheckDefinition Check(string id, string target, Dictionary<string, string> labels, string? name = null) =>
        new() { Id = id, Name = name ?? id, Type = target.StartsWith("http", StringComparison.Ordinal) ? "http" : "tcp", Target = target, Labels = labels };
}
