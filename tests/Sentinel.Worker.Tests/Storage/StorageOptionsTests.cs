using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Bind_Nothing_GivesTheDocumentedDefaults()
    {
        var options = Bind([]);

        Assert.Equal(
            (TimeSpan.FromDays(30), TimeSpan.FromDays(7), TimeSpan.FromDays(400), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)),
            (options.Retention, options.MinuteRollupRetention, options.HourRollupRetention, options.MaintenanceInterval, options.RollupMargin));
    }

    /// <summary>
    /// The bounds of TimeSpan settings come out in the options source generator's own words (it ignores the attribute's
    /// message for TimeSpan ranges, as for the other TimeSpan settings); the rules between settings in ours.
    /// </summary>
    [Theory]
    [InlineData("Retention", "12:00:00",
        "Retention: The field Sentinel:Storage.Retention must be between 1.00:00:00 and 3650.00:00:00.; " +
        "MinuteRollupRetention: Sentinel:Storage:MinuteRollupRetention (7.00:00:00) must not exceed Sentinel:Storage:Retention (12:00:00): where minute rollups are kept, the raw results they came from must be too")]
    [InlineData("MaintenanceInterval", "00:00:01", "MaintenanceInterval: The field Sentinel:Storage.MaintenanceInterval must be between 00:00:05 and 01:00:00.")]
    [InlineData("RollupMargin", "00:00:00", "RollupMargin: The field Sentinel:Storage.RollupMargin must be between 00:00:01 and 01:00:00.")]
    [InlineData("MinuteRollupRetention", "31.00:00:00",
        "MinuteRollupRetention: Sentinel:Storage:MinuteRollupRetention (31.00:00:00) must not exceed Sentinel:Storage:Retention (30.00:00:00): where minute rollups are kept, the raw results they came from must be too")]
    [InlineData("HourRollupRetention", "20.00:00:00",
        "HourRollupRetention: Sentinel:Storage:HourRollupRetention (20.00:00:00) must be at least Sentinel:Storage:Retention (30.00:00:00): hour rollups are what remains once raw results are dropped")]
    public void Bind_OutOfBounds_NamesTheSetting(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{StorageOptions.Section}:{key}"] = value }));

        Assert.Equal(message, string.Join("; ", error.Failures));
    }

    private static StorageOptions Bind(Dictionary<string, string?> values) =>
        ValidatedOptions.Bind<StorageOptions, StorageOptionsValidator>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), StorageOptions.Section);
}
