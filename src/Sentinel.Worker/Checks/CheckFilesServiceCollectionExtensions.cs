using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Checks;

internal static class CheckFilesServiceCollectionExtensions
{
    /// <summary>The status of the checks folder; with <paramref name="sync"/>, the service that syncs it into the database.</summary>
    public static IServiceCollection AddSentinelCheckFiles(this IServiceCollection services, bool sync)
    {
        services.AddSingleton<CheckFileStatus>();
        if (sync)
        {
            services.AddOptions<CheckFilesOptions>().BindConfiguration(CheckFilesOptions.Section).ValidateOnStart();
            services.AddSingleton<IValidateOptions<CheckFilesOptions>, CheckFilesOptionsValidator>();
            services.AddHostedService<CheckFileSync>();
        }

        return services;
    }
}
