using Sentinel.Probes.Checks;
using Xunit;

namespace Sentinel.Probes.Tests.Checks;

public sealed class HostPortTests
{
    [Theory]
    [InlineData("db.example.test:5432", "db.example.test", 5432, false)]
    [InlineData("DB.Example.TEST.:5432", "db.example.test", 5432, false)]
    [InlineData("127.0.0.1:9", "127.0.0.1", 9, true)]
    [InlineData("[::1]:443", "::1", 443, true)]
    [InlineData("[2001:db8::1]:65535", "2001:db8::1", 65535, true)]
    [InlineData("_sip._tcp.example.test:5060", "_sip._tcp.example.test", 5060, false)]
    public void TryParse_Valid_ReturnsHostAndPort(string text, string host, int port, bool isAddress)
    {
        Assert.True(HostPort.TryParse(text, 0, out var parsed, out var error), error);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(isAddress, parsed.Address is not null);
    }

    [Theory]
    [InlineData("", "expected host:port, got an empty string")]
    [InlineData("example.test", "expected host:port, got \"example.test\" (no port)")]
    [InlineData("example.test:0", "port must be a number from 1 to 65535, got \"0\"")]
    [InlineData("example.test:http", "port must be a number from 1 to 65535, got \"http\"")]
    [InlineData("example.test:+80", "port must be a number from 1 to 65535, got \"+80\"")]
    [InlineData("::1:80", "an IPv6 address needs brackets around it, as in [2001:db8::1]:443")]
    [InlineData("[::1:80", "expected [IPv6]:port, got \"[::1:80\" (no closing bracket)")]
    [InlineData("[127.0.0.1]:80", "\"127.0.0.1\" in brackets is not an IPv6 address")]
    [InlineData("exa mple.test:80", "\"exa mple.test\" is not a valid host name (label \"exa mple\")")]
    [InlineData("-a.test:80", "\"-a.test\" is not a valid host name (label \"-a\")")]
    [InlineData("a..test:80", "\"a..test\" is not a valid host name")]
    public void TryParse_Invalid_SaysWhy(string text, string expected)
    {
        Assert.False(HostPort.TryParse(text, 0, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_LabelOver63Characters_IsRejected()
    {
        Assert.False(HostPort.TryParse(new string('a', 64) + ".test:80", 0, out _, out var error));
        Assert.Contains("is not a valid host name", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_DefaultPort_AppliesWhenOmitted()
    {
        Assert.True(HostPort.TryParse("127.0.0.1", 53, out var parsed, out _));
        Assert.Equal(53, parsed.Port);
    }
}
