using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Podvisor.Api.Store;

namespace Podvisor.Api.Http;

/// <summary>
/// The outermost handler: an exception that escapes an endpoint becomes a metav1.Status 500 InternalError (upstream
/// errors.NewInternalError, the answer to a storage failure), never an empty 500 or a dropped connection. A client
/// that went away is not an error.
/// </summary>
internal static partial class InternalErrors
{
    public static void Use(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Podvisor.Api");
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                if (ex is not StoreUnavailableException)
                {
                    LogUnhandled(logger, ctx.Request.Method, ctx.Request.Path, ex);
                }

                if (!ctx.Response.HasStarted)
                {
                    ctx.Response.Headers.Clear();
                    await ApiResponses.WriteError(ctx, ApiError.Internal(ex.Message)).ConfigureAwait(false);
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
