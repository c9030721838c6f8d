using Sentinel.Probes.Checks;
using Xunit;

namespace Sentinel.Probes.Tests.Checks;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1d", 86_400_000)]
    [InlineData("2m30s250ms", 150_250)]
    public void TryParse_ValidDuration_ReturnsIt(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5 s")]
    [InlineData("5S")]
    [InlineData("30m1h")]
    [InlineData("1s1s")]
    [InlineData("1.2.3s")]
    [InlineData("99999999999999999999d")]
    [InlineData("5w")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(250, "250ms")]
    [InlineData(86_400_000, "1d")]
    [InlineData(0, "0s")]
    public void Format_RoundTrips(long milliseconds, string expected)
    {
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));
        if (milliseconds > 0)
        {
            Assert.True(Duration.TryParse(expected, out var back));
            Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
        }
    }
}
