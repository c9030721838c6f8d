using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Checks;

internal static class CheckFilesServiceCollectionExtensions
{
    /// <summary>The status of the checks folder; with <paramref name="sync"/>, the service that syncs it into the database.</summary>
    public static IServiceCollection AddSentinelCheckFiles(this IServiceCollection services, IConfiguration configuration, bool sync)
    {
        services.AddSingleton<CheckFileStatus>();
        if (sync)
        {
            services.AddValidatedOptions<CheckFilesOptions, CheckFilesOptionsValidator>(configuration, CheckFilesOptions.Section);
            services.AddSingleton<FileSyncLeadership>();
            services.AddHostedService<CheckFileSync>();
        }

        return services;
    }
}
