using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Scheduling;
using Xunit;

namespace Sentinel.Worker.Tests.Scheduling;

public sealed class SchedulingOptionsTests
{
    [Fact]
    public void Bind_Nothing_GivesTheDocumentedClusterDefaults()
    {
        var options = Bind([]);

        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5)), (options.CheckinInterval, options.CheckinMisfireThreshold));
    }

    [Theory]
    [InlineData("CheckinInterval", "00:00:00", "00:00:01 and 00:10:00")]
    [InlineData("CheckinInterval", "-00:00:15", "00:00:01 and 00:10:00")]
    [InlineData("CheckinInterval", "00:10:01", "00:00:01 and 00:10:00")]
    [InlineData("CheckinMisfireThreshold", "00:00:00.100", "00:00:00.5000000 and 00:10:00")]
    [InlineData("CheckinMisfireThreshold", "1.00:00:00", "00:00:00.5000000 and 00:10:00")]
    public void Bind_OutOfBounds_NamesTheSettingAndItsBounds(string key, string value, string bounds)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{SchedulingOptions.Section}:{key}"] = value }));

        Assert.Equal($"{key}: The field {SchedulingOptions.Section}.{key} must be between {bounds}.", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("CheckinInterval", "fifteen seconds")]
    [InlineData("CheckinMisfireThreshold", "5s")]
    public void Bind_NotADuration_NamesTheKeyAndTheValue(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(new() { [$"{SchedulingOptions.Section}:{key}"] = value }));

        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{SchedulingOptions.Section}:{key}'", error.Message, StringComparison.Ordinal);
    }

    private static SchedulingOptions Bind(Dictionary<string, string?> values) =>
        ValidatedOptions.Bind<SchedulingOptions, SchedulingOptionsValidator>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), SchedulingOptions.Section);
}
