using System.Text;
using Sentinel.Probes.Audits;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// The preload corpus: for each set of Strict-Transport-Security fields, whether browsers honour the header (RFC 6797,
/// the first field) and what hstspreload.org says (chromium/hstspreload's PreloadableResponse): the rules that block
/// the submission and those it only warns about, in its order. Fields are separated by "|"; "(none)" sends none.
/// Values are written as the bytes arrive: <see cref="Utf8"/> marks one sent as UTF-8 (.NET reads header bytes as
/// Latin-1, hstspreload's Go code as UTF-8). Where the two columns disagree, a browser and hstspreload.org read the
/// same bytes differently.
/// </summary>
public sealed class HstsPreloadCorpusTests
{
    private const string Ready = "max-age=31536000; includeSubDomains; preload";
    private const string NoMaxAge = "header.preloadable.max_age.missing";

    public static TheoryData<string, bool, string, string> Corpus() => new()
    {
        // fields | valid for browsers | blocking rules | warnings
        { Ready, true, "", "" },
        { "max-age=63072000; includeSubDomains; preload", true, "", "" },
        { "includeSubDomains; preload; max-age=31536000", true, "", "" },
        { "MAX-AGE=31536000; INCLUDESUBDOMAINS; PRELOAD", true, "", "" },
        { "  max-age=31536000  ;\tincludeSubDomains ;preload  ", true, "", "" },

        // How max-age is written: RFC 6797 allows a quoted value and space around "="; hstspreload reads digits right after "max-age=".
        { "max-age=\"31536000\"; includeSubDomains; preload", true, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },
        { "max-age = 31536000; includeSubDomains; preload", true, $"header.parse.invalid.max_age.no_value {NoMaxAge}", "" },
        { "max-age =31536000; includeSubDomains; preload", true, $"header.parse.invalid.max_age.no_value {NoMaxAge}", "" },
        { "max-age= 31536000; includeSubDomains; preload", true, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },
        { "max-age=031536000; includeSubDomains; preload", true, "", "header.parse.max_age.leading_zero" },
        { "max-age=+31536000; includeSubDomains; preload", false, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },
        { "max-age=-1; includeSubDomains; preload", false, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },
        { "max-age=0x1E13380; includeSubDomains; preload", false, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "header.parse.max_age.leading_zero" },
        { "max-age=31536000.0; includeSubDomains; preload", false, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },
        { "max-age; includeSubDomains; preload", false, $"header.parse.invalid.max_age.no_value {NoMaxAge}", "" },
        { "max-age=; includeSubDomains; preload", false, $"header.parse.max_age.parse_int_error {NoMaxAge}", "" },
        { "max-age:31536000; includeSubDomains; preload", false, $"header.parse.invalid.max_age.no_value {NoMaxAge}", "" },
        { "includeSubDomains; preload", false, NoMaxAge, "" },

        // A name that starts with max-age is not unknown to hstspreload: it blocks even beside a good max-age.
        { "max-agex=5; max-age=31536000; includeSubDomains; preload", true, "header.parse.invalid.max_age.no_value", "" },

        // Its integer: unsigned 64 bits; browsers clamp a larger value.
        { "max-age=18446744073709551615; includeSubDomains; preload", true, "", "header.preloadable.max_age.over_10_years" },
        { "max-age=18446744073709551616; includeSubDomains; preload", true, $"header.parse.max_age.parse_int_error {NoMaxAge}", "" },
        { $"max-age={new string('9', 5000)}; includeSubDomains; preload", true, $"header.parse.max_age.parse_int_error {NoMaxAge}", "" },
        { $"max-age={new string('0', 5000)}31536000; includeSubDomains; preload", true, "", "header.parse.max_age.leading_zero" },

        // Its bounds: at least one year; above ten years is only a warning.
        { "max-age=0; includeSubDomains; preload", true, "header.preloadable.max_age.zero", "" },
        { "max-age=10886400; includeSubDomains; preload", true, "header.preloadable.max_age.below_1_year", "" },
        { "max-age=31535999; includeSubDomains; preload", true, "header.preloadable.max_age.below_1_year", "" },
        { "max-age=315360000; includeSubDomains; preload", true, "", "" },
        { "max-age=315360001; includeSubDomains; preload", true, "", "header.preloadable.max_age.over_10_years" },

        // Repeated directives: browsers ignore the whole header when max-age or includeSubDomains repeats; hstspreload only warns.
        { "max-age=31536000; max-age=0; includeSubDomains; preload", false, "", "header.parse.repeated.max_age" },
        { "max-age=31536000; includeSubDomains; includeSubDomains; preload", false, "", "header.parse.repeated.include_sub_domains" },
        { "max-age=31536000; includeSubDomains; preload; preload", true, "", "header.parse.repeated.preload" },
        { Ready + string.Concat(Enumerable.Repeat("; preload", 5000)), true, "", "header.parse.repeated.preload" },

        // Directives with a value, unknown ones, empty ones.
        { "max-age=31536000; includeSubDomains; preload=1", true, "header.preloadable.preload.missing", "header.parse.invalid.preload" },
        { "max-age=31536000; includeSubDomains; preloaded", true, "header.preloadable.preload.missing", "header.parse.invalid.preload" },
        { "max-age=31536000; includeSubDomains=yes; preload", false, "header.preloadable.include_sub_domains.missing", "header.parse.invalid.include_sub_domains" },
        { "max-age=31536000; includeSubDomains; preload; report-uri=\"https://r.example\"", true, "", "header.parse.unknown_directive" },
        { Ready + string.Concat(Enumerable.Repeat("; x", 5000)), true, "", "header.parse.unknown_directive" },
        { Ready + ";", true, "", "header.parse.empty_directive" },
        { ";;max-age=31536000;;includeSubDomains;;preload;;", true, "", "header.parse.empty_directive" },
        { Ready + new string(';', 5000), true, "", "header.parse.empty_directive" },
        { "", false, "header.preloadable.include_sub_domains.missing header.preloadable.preload.missing " + NoMaxAge, "header.parse.empty" },
        { "max-age=31536000, includeSubDomains; preload", false, $"header.parse.max_age.non_digit_characters header.preloadable.include_sub_domains.missing {NoMaxAge}", "" },
        { "max-age=31536000; includeSubDomains", true, "header.preloadable.preload.missing", "" },
        { new string('x', 100_000), false, "header.preloadable.include_sub_domains.missing header.preloadable.preload.missing " + NoMaxAge, "header.parse.unknown_directive" },

        // Non-ASCII: hstspreload folds case and trims space by Unicode's rules, on the UTF-8 it reads; browsers take tokens of ASCII only.
        { Utf8("max-age=31536000; includeSubDomain\u017F; preload"), false, "", "" },
        { Utf8("max-age=31536000; \u0130ncludeSubDomains; preload"), false, "header.preloadable.include_sub_domains.missing", "header.parse.invalid.include_sub_domains" },
        { Utf8("max-age=31536000; includeSubDomains; preload\u00A0"), false, "", "" },
        { Utf8("max-age=31536000; includeSubDomains;\u3000preload"), false, "", "" },
        { "max-age=31536000; includeSubDomains; preload\u00A0", false, "header.preloadable.preload.missing", "header.parse.invalid.preload" },
        { Utf8("max-age=\uFF13\uFF11\uFF15\uFF13\uFF16\uFF10\uFF10\uFF10; includeSubDomains; preload"), false, $"header.parse.max_age.non_digit_characters {NoMaxAge}", "" },

        // Control characters: Go's HTTP client refuses the response, so hstspreload cannot connect.
        { "max-age=31536000;\vincludeSubDomains; preload", false, "domain.tls.cannot_connect", "" },
        { "max-age=31536000; includeSubDomains; preload\u007F", false, "domain.tls.cannot_connect header.preloadable.preload.missing", "header.parse.invalid.preload" },
        { "max-age=31536000; includeSubDomains\u0001; preload", false, "domain.tls.cannot_connect header.preloadable.include_sub_domains.missing", "header.parse.invalid.include_sub_domains" },

        // The response: hstspreload takes exactly one field; browsers honour the first.
        { Ready + "|" + Ready, true, "response.multiple_headers", "" },
        { Ready + "|max-age=0", true, "response.multiple_headers", "" },
        { "max-age=0|" + Ready, true, "response.multiple_headers", "" },
        { "(none)", false, "response.no_header", "" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Judge_Fields_BrowsersAndHstspreloadGiveTheseVerdicts(string fields, bool valid, string blocking, string warnings)
    {
        var response = Response(fields);

        var (_, issues) = HstsPreloadHeader.Judge(response);

        Assert.Equal(valid, response.Values("Strict-Transport-Security") is [var first, ..] && HstsHeader.Parse(first, out _) is not null);
        Assert.Equal(Rules(blocking), issues.Where(i => i.Blocks).Select(i => i.Rule).Distinct());
        Assert.Equal(Rules(warnings), issues.Where(i => !i.Blocks).Select(i => i.Rule).Distinct());
    }

    [Fact]
    public void Judge_ControlCharacterInAnotherField_CannotBeReadByHstspreload()
    {
        var response = new AuditResponse(200, "OK", [new("Strict-Transport-Security", Ready), new("X-Trace", "a\u0001b")]);

        var (header, issues) = HstsPreloadHeader.Judge(response);

        Assert.Equal("the X-Trace field of the response holds a control character (U+0001), which Go's HTTP client refuses, so hstspreload.org cannot read the response at all [domain.tls.cannot_connect]",
            HstsPreloadHeader.List(issues));
        Assert.Equal(Ready, header?.Describe());
    }

    [Fact]
    public void List_ThousandsOfUnknownDirectivesAndAHugeMaxAge_MakeOneShortLine()
    {
        var (_, issues) = HstsPreloadHeader.Judge($"max-age={new string('9', 100_000)}; includeSubDomains; preload" + string.Concat(Enumerable.Repeat("; x\u00FF", 20_000)));

        var message = HstsPreloadHeader.List(issues);

        Assert.Equal("max-age \"" + new string('9', 40) + "…\" is above 18446744073709551615, the largest number hstspreload.org reads (64-bit unsigned) [header.parse.max_age.parse_int_error]; "
            + "unknown directive \"x\u00FF\", and 19999 more like it [header.parse.unknown_directive]; "
            + "there is no max-age hstspreload.org can read [header.preloadable.max_age.missing]", message);
    }

    [Theory]
    [InlineData("max-age=\"31536000\"; includeSubDomains; preload", "max-age is written \"max-age=\"31536000\"\"; hstspreload.org reads only ASCII digits after \"max-age=\": no quotes, sign or space [header.parse.max_age.non_digit_characters]; there is no max-age hstspreload.org can read [header.preloadable.max_age.missing]")]
    [InlineData("max-age = 31536000; includeSubDomains; preload", "max-age is written \"max-age = 31536000\"; hstspreload.org reads it only as max-age=SECONDS, with nothing between the name, \"=\" and the digits [header.parse.invalid.max_age.no_value]; there is no max-age hstspreload.org can read [header.preloadable.max_age.missing]")]
    [InlineData("max-age=0; preload", "includeSubDomains is missing [header.preloadable.include_sub_domains.missing]; max-age is 0, below 31536000 (1 year); max-age=0 is for leaving the list, through hstspreload.org/removal [header.preloadable.max_age.zero]")]
    [InlineData("max-age=31536000; includeSubDomains; preload=yes", "\"preload=yes\" is not the bare preload directive, so it does not count as one [header.parse.invalid.preload]; preload is missing [header.preloadable.preload.missing]")]
    [InlineData("max-age=1; max-age=31536000; includeSubDomains; preload", "max-age appears more than once (hstspreload.org reads the first) [header.parse.repeated.max_age]; max-age is 1, below 31536000 (1 year) [header.preloadable.max_age.below_1_year]")]
    [InlineData("max-age=18446744073709551616; includeSubDomains; preload", "max-age \"18446744073709551616\" is above 18446744073709551615, the largest number hstspreload.org reads (64-bit unsigned) [header.parse.max_age.parse_int_error]; there is no max-age hstspreload.org can read [header.preloadable.max_age.missing]")]
    public void Judge_Value_NamesEachIssueInSentinelsWordsWithItsRule(string value, string message)
    {
        var (_, issues) = HstsPreloadHeader.Judge(value);

        Assert.Equal(message, HstsPreloadHeader.List(issues));
    }

    /// <summary>The value sent as UTF-8, as .NET hands it over (one char per byte).</summary>
    private static string Utf8(string value) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value));

    private static AuditResponse Response(string fields) =>
        new(200, "OK", fields == "(none)" ? [] : [.. fields.Split('|').Select(f => new KeyValuePair<string, string>("Strict-Transport-Security", f))]);

    private static string[] Rules(string rules) => rules.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
