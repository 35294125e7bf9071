using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Podvisor.Core.Serialization;

/// <summary>The JSON shape a model type expects.</summary>
public enum FieldShape
{
    String,
    Integer,
    Number,
    Bool,
    IntOrString,
    Quantity,
    List,
    Map,
    Object,
    Any,
}

/// <summary>
/// What a k8s.Models type accepts, read from the KubernetesClient models by reflection (their
/// <see cref="JsonPropertyNameAttribute"/> names), so strict decoding follows the same schema as the library.
/// </summary>
public sealed class ModelSchema
{
    private static readonly ConcurrentDictionary<Type, ModelSchema> Cache = new();

    private ModelSchema(Type type)
    {
        Type = type;
        Shape = ShapeOf(type);
        Element = Shape switch
        {
            FieldShape.List => ElementType(type, typeof(IList<>)),
            FieldShape.Map => ElementType(type, typeof(IDictionary<,>), argument: 1),
            _ => null,
        };
        Properties = Shape == FieldShape.Object
            ? type.GetProperties()
                .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
                .Where(p => p.Name is not null)
                .ToDictionary(p => p.Name!, p => p.Property.PropertyType, StringComparer.Ordinal)
            : new Dictionary<string, Type>();
    }

    public Type Type { get; }

    public FieldShape Shape { get; }

    /// <summary>The element type of a list, or the value type of a map.</summary>
    public Type? Element { get; }

    /// <summary>JSON name to property type, for <see cref="FieldShape.Object"/>.</summary>
    public IReadOnlyDictionary<string, Type> Properties { get; }

    /// <summary>True for 32-bit integer fields, which Go decodes into int32.</summary>
    public bool IsInt32 => Type == typeof(int);

    public static ModelSchema For(Type type) => Cache.GetOrAdd(Nullable.GetUnderlyingType(type) ?? type, t => new ModelSchema(t));

    private static FieldShape ShapeOf(Type type)
    {
        if (type == typeof(string) || type == typeof(DateTime) || type == typeof(byte[]))
        {
            return FieldShape.String;
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return FieldShape.Integer;
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return FieldShape.Number;
        }

        if (type == typeof(bool))
        {
            return FieldShape.Bool;
        }

        if (type == typeof(IntOrString))
        {
            return FieldShape.IntOrString;
        }

        if (type == typeof(ResourceQuantity))
        {
            return FieldShape.Quantity;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>))
        {
            return FieldShape.Map;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>))
        {
            return FieldShape.List;
        }

        return type == typeof(object) ? FieldShape.Any : FieldShape.Object;
    }

    private static Type ElementType(Type type, Type definition, int argument = 0) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type.GetGenericArguments()[argument]
            : throw new UnreachableException();
}
