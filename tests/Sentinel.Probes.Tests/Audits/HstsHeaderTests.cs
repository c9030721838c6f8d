using Sentinel.Probes.Audits;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// RFC 6797, 6.1 parsing of one Strict-Transport-Security value, rule by rule: what browsers honour (max-age,
/// includeSubDomains, and whether a bare preload asks for preloading) and, for what they ignore, the reason given.
/// </summary>
public sealed class HstsHeaderTests
{
    public static TheoryData<string, long, bool, bool> Valid() => new()
    {
        { "max-age=31536000", 31536000, false, false },
        { "max-age=31536000; includeSubDomains", 31536000, true, false },
        { "max-age=31536000; includeSubDomains; preload", 31536000, true, true },
        { "MAX-AGE=31536000", 31536000, false, false },
        { "max-age=31536000; INCLUDESUBDOMAINS", 31536000, true, false },
        { "max-age=31536000; IncludeSubdomains", 31536000, true, false },
        { "max-age=\"31536000\"", 31536000, false, false },
        { "max-age=\"3153\\6000\"", 31536000, false, false },
        { "max-age=0", 0, false, false },
        { "max-age=31536000;", 31536000, false, false },
        { ";max-age=31536000;;includeSubDomains;", 31536000, true, false },
        { "max-age = 31536000 ; includeSubDomains", 31536000, true, false },
        { "\tmax-age=10\t", 10, false, false },
        { "max-age=31536000; foo=bar; baz", 31536000, false, false },
        { "max-age=31536000; foo; foo", 31536000, false, false },
        { "max-age=31536000; x=\"a;b\"; includeSubDomains", 31536000, true, false },
        { "includeSubDomains; max-age=31536000", 31536000, true, false },
        { "max-age=31536000; preload", 31536000, false, true },
        { "max-age=00031536000", 31536000, false, false },
        { "max-age=99999999999999999999999", long.MaxValue, false, false },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_ValidValue_ReturnsThePolicy(string value, long maxAge, bool includeSubDomains, bool preload)
    {
        var policy = HstsHeader.Parse(value, out var error);

        Assert.True(policy is not null, error);
        Assert.Equal((maxAge, includeSubDomains, preload), (policy.MaxAge, policy.IncludeSubDomains, policy.Preload));
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        { "", "the value is empty (max-age is required)" },
        { " ; ", "the value is empty (max-age is required)" },
        { "includeSubDomains", "max-age is missing (it is required, RFC 6797, 6.1.1)" },
        { "max-age", "max-age has no value (expected max-age=SECONDS)" },
        { "max-age=", "max-age has \"=\" but no value" },
        { "max-age=; includeSubDomains", "max-age has \"=\" but no value" },
        { "max-age=\"\"", "max-age has an empty value" },
        { "max-age=-1", "max-age -1 is not a number of seconds (digits only, RFC 6797, 6.1.1)" },
        { "max-age=+1", "max-age +1 is not a number of seconds (digits only, RFC 6797, 6.1.1)" },
        { "max-age=abc", "max-age abc is not a number of seconds (digits only, RFC 6797, 6.1.1)" },
        { "max-age=1.5", "max-age 1.5 is not a number of seconds (digits only, RFC 6797, 6.1.1)" },
        { "max-age=\"-5\"", "max-age \"-5\" is not a number of seconds (digits only, RFC 6797, 6.1.1)" },
        { "max-age=1; max-age=2", "max-age appears twice (RFC 6797, 6.1: each directive at most once)" },
        { "max-age=1; Max-Age=1", "max-age appears twice (RFC 6797, 6.1: each directive at most once)" },
        { "max-age=1; includeSubDomains; includesubdomains", "includeSubDomains appears twice (RFC 6797, 6.1: each directive at most once)" },
        { "max-age=1; includeSubDomains=true", "includeSubDomains takes no value, got includeSubDomains=true" },
        { "max-age=31536000, includeSubDomains", "expected \";\" after max-age=31536000 at character 17, found \",\": directives are separated by \";\"; a \",\" usually means two Strict-Transport-Security fields were joined into one (by a proxy or the application)" },
        { "max-age=31536000 includeSubDomains", "expected \";\" after max-age=31536000 at character 18, found \"i\"" },
        { "max-age=\"31536000", "the quoted value of max-age is not closed" },
        { "max-age=\"31536000\"x", "expected \";\" after max-age=\"31536000\" at character 19, found \"x\"" },
        { "\"max-age\"=1", "expected a directive name at character 1, found \"\"\"" },
        { "max-age=1; =2", "expected a directive name at character 12, found \"=\"" },
        { "max-age=(1)", "the value of max-age at character 9 is not a token or a quoted string: found \"(\"" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidValue_IsIgnoredWithTheReason(string value, string reason)
    {
        var policy = HstsHeader.Parse(value, out var error);

        Assert.Null(policy);
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData("max-age=31536000; preload=true", false)]
    [InlineData("max-age=31536000; preload; preload", true)]
    [InlineData("max-age=31536000; PRELOAD", true)]
    public void Parse_PreloadDirective_IsIgnoredByBrowsersAndAsksForPreloadOnlyWithoutAValue(string value, bool preload)
    {
        var policy = HstsHeader.Parse(value, out _);

        Assert.NotNull(policy);
        Assert.Equal(preload, policy.Preload);
    }

    [Fact]
    public void Parse_HugeHostileValue_FinishesWithAReason()
    {
        var value = "max-age=1" + string.Concat(Enumerable.Repeat("; a=\"\\\"", 20000)) + new string('x', 100_000);

        var policy = HstsHeader.Parse(value, out var error);

        Assert.Null(policy);
        Assert.NotNull(error);
    }
}
