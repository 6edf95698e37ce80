using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

/// <summary>
/// Turns a class marked [Network] into a <see cref="NetworkSpec"/>: its name and nesting, and its layer attributes in
/// source order with their arguments as plain values. Pure: no shapes are checked here and no Roslyn object escapes.
/// </summary>
internal static class NetworkParser
{
    public const string NetworkAttributeName = "NetGen.NetworkAttribute";
    private const string LayerAttributeBase = "NetGen.LayerAttribute";

    public static NetworkSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? classLocation = LocationInfo.From(syntax.Identifier.GetLocation());

        if (symbol.IsRecord)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NetworkIsRecord, classLocation, symbol.Name));
        }

        bool isPartial = symbol.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax c && c.Modifiers.Any(SyntaxKind.PartialKeyword));
        if (!isPartial)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotPartial, classLocation, symbol.Name));
        }

        if (symbol.Arity > 0) // the class's own type parameters; a generic containing type is fine (see TypeHeader)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.GenericNetwork, classLocation, symbol.Name));
        }

        // [Network] on several partial declarations: the compiler reports CS0579 (duplicate attribute) on the second
        // one. The first declaration (by file, then position) generates the network; every other one generates
        // nothing, since two outputs for one class would collide and make the generator throw.
        var marked = new HashSet<SyntaxNode>(symbol.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == NetworkAttributeName && a.ApplicationSyntaxReference is not null)
            .Select(a => a.ApplicationSyntaxReference!.GetSyntax(cancellationToken).Parent?.Parent)
            .OfType<SyntaxNode>());
        var networkParts = symbol.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(cancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Where(t => marked.Contains(t) || HasNetworkAttributeSyntax(t))
            .OrderBy(t => t.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(t => t.SpanStart)
            .ToList();
        if (networkParts.Count > 1 && networkParts[0] != syntax)
        {
            return new NetworkSpec(null, symbol.Name, EquatableArray<string>.Empty, isPartial, EquatableArray<LayerSpec>.Empty, EquatableArray<DiagnosticInfo>.Empty, classLocation) { IsRedundantPart = true };
        }

        if (Validation.ReservedNames.IsReserved(symbol.Name))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ReservedClassName, classLocation, symbol.Name));
        }

        for (INamedTypeSymbol? t = symbol; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.FileLocalNetwork, classLocation, symbol.Name, t.Name));
                break;
            }
        }

        if (symbol.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.StaticNetwork, classLocation, symbol.Name));
        }

        if (!symbol.IsRecord && symbol.BaseType is { } baseType && baseType.SpecialType != SpecialType.System_Object && baseType.ToDisplayString() != "NetGen.NetworkBase")
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NetworkHasBaseClass, classLocation, symbol.Name, baseType.ToDisplayString()));
        }

        var containing = new List<string>();
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            bool outerPartial = outer.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!outerPartial)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPartialContainer, classLocation, symbol.Name, outer.Name));
            }

            containing.Insert(0, TypeHeader(outer));
        }

        // Layer attributes in source order. Attributes on several partial declarations make the order ambiguous.
        var layers = ReadLayers(symbol, new HashSet<string>(), new Dictionary<string, BlockSpec>(), cancellationToken);
        // Two partial declarations are ambiguous whether they sit in two files or in one.
        if (layers.Where(l => l.Declaration is not null).Select(l => l.Declaration).Distinct().Count() > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SplitDeclaration, classLocation, symbol.Name));
        }

        LayerSpec[] ordered = layers.OrderBy(l => l.Tree.FilePath, System.StringComparer.Ordinal).ThenBy(l => l.Position).Select(l => l.Spec).ToArray();
        // Namespace segments by their plain names (@class.@int → class.int); the emitter escapes keywords again.
        string? ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? NamespaceName(n) : null;
        return new NetworkSpec(ns, symbol.Name, containing.ToEquatableArray(), isPartial, new EquatableArray<LayerSpec>(ordered), diagnostics.ToEquatableArray(), classLocation) { IsAbstract = symbol.IsAbstract };
    }

    private const string BlockAttributeName = "NetGen.BlockAttribute";

    /// <summary>The kind of a layer attribute the compiler could not bind; the network is then not generated.</summary>
    public const string BrokenKind = "<broken>";

    /// <summary>
    /// The most layers a network may have once its residual blocks are inlined (each use of a block copies its layers).
    /// Beyond it the generator reports NG0021 instead of emitting (and compiling) a file of that size.
    /// </summary>
    public const int MaxInlinedLayers = 2048;

    private static string NamespaceName(INamespaceSymbol ns)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? n = ns; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
        {
            parts.Insert(0, n.Name);
        }

        return string.Join(".", parts);
    }

    private static bool HasNetworkAttributeSyntax(TypeDeclarationSyntax declaration)
        => declaration.AttributeLists.SelectMany(l => l.Attributes).Any(IsNetworkAttributeSyntax);

    /// <summary>Whether an attribute is written as [Network] / [NetworkAttribute] / [NetGen.Network] (syntax only).</summary>
    private static bool IsNetworkAttributeSyntax(AttributeSyntax attribute)
    {
        string name = attribute.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return name is "Network" or "NetworkAttribute";
    }

    /// <summary>The layers a list of specs becomes once every residual block is inlined (plus one add per use), saturating.</summary>
    public static long InlinedLayerCount(IEnumerable<LayerSpec> layers)
    {
        long total = 0;
        foreach (LayerSpec layer in layers)
        {
            long n = Layers.LayerDefinitions.Find(layer.Kind) is { IsInput: true } ? 0 : layer.Block is { } b ? b.InlinedLayers + 1 : 1; // the input is not a layer
            total = total > long.MaxValue - n ? long.MaxValue : total + n;
        }

        return total;
    }

    private static List<LayerSite> ReadLayers(INamedTypeSymbol symbol, HashSet<string> visiting, Dictionary<string, BlockSpec> blocks, CancellationToken cancellationToken)
    {
        var layers = new List<LayerSite>();
        visiting.Add(symbol.ToDisplayString());
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            SyntaxReference? reference = attribute.ApplicationSyntaxReference;
            if (attribute.AttributeClass is not { } cls || cls.TypeKind == TypeKind.Error)
            {
                // An attribute the compiler cannot bind (a typo, a missing using) may be a layer: generating the network
                // without it would silently change the architecture. The compiler reports it; generate nothing.
                if (reference is not null)
                {
                    layers.Add(new LayerSite(reference.SyntaxTree, reference.Span.Start, null, new LayerSpec(BrokenKind, EquatableArray<ArgumentSpec>.Empty, null)));
                }

                continue;
            }

            if (!DerivesFrom(cls, LayerAttributeBase) || reference is null)
            {
                continue;
            }

            if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error) || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
            {
                // Arguments of the wrong type: the compiler reports them; generate nothing rather than guess.
                layers.Add(new LayerSite(reference.SyntaxTree, reference.Span.Start, null, new LayerSpec(BrokenKind, EquatableArray<ArgumentSpec>.Empty, null)));
                continue;
            }

            string kind = cls.Name.EndsWith("Attribute") ? cls.Name.Substring(0, cls.Name.Length - "Attribute".Length) : cls.Name;
            var args = new List<ArgumentSpec>();
            IMethodSymbol? ctor = attribute.AttributeConstructor;
            for (int i = 0; i < attribute.ConstructorArguments.Length; i++)
            {
                string name = ctor is not null && i < ctor.Parameters.Length ? ctor.Parameters[i].Name : "arg" + i;
                args.Add(ToSpec(name, attribute.ConstructorArguments[i]));
            }

            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                args.Add(ToSpec(named.Key, named.Value));
            }

            BlockSpec? block = null;
            // An attribute whose only constructor argument is a type ([Residual(typeof(Block))]) names a block of layers.
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Type && attribute.ConstructorArguments[0].Value is INamedTypeSymbol blockType)
            {
                string blockName = blockType.ToDisplayString();
                bool marked = blockType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == BlockAttributeName);
                if (visiting.Contains(blockName))
                {
                    block = new BlockSpec(blockType.Name, marked, IsRecursive: true, EquatableArray<LayerSpec>.Empty);
                }
                else if (!blocks.TryGetValue(blockName, out block))
                {
                    // A block is read once per network and shared by all its uses, so a block that uses the next one
                    // twice, ten levels deep, costs ten reads, not 2^10. Its inlined size is counted by addition; a
                    // block over the limit keeps only its count, so nothing downstream expands it (NG0021).
                    var inner = ReadLayers(blockType, new HashSet<string>(visiting), blocks, cancellationToken);
                    LayerSpec[] ordered = inner.OrderBy(l => l.Tree.FilePath, System.StringComparer.Ordinal).ThenBy(l => l.Position).Select(l => l.Spec).ToArray();
                    long inlined = InlinedLayerCount(ordered);
                    block = new BlockSpec(blockType.Name, marked, IsRecursive: false, inlined > MaxInlinedLayers ? EquatableArray<LayerSpec>.Empty : new EquatableArray<LayerSpec>(ordered)) { InlinedLayers = inlined };
                    block = block with { ContainsRecursion = ordered.Any(l => l.Block is { } b && (b.IsRecursive || b.ContainsRecursion)) };
                    if (!block.ContainsRecursion)
                    {
                        blocks[blockName] = block; // a block inside a cycle depends on the path that reached it: not shared
                    }
                }
            }

            SyntaxNode attributeSyntax = reference.GetSyntax(cancellationToken);
            LocationInfo? location = LocationInfo.From(attributeSyntax);

            // Keep the declaration as written: named arguments and enum members stay readable in the generated header.
            string source = attributeSyntax is AttributeSyntax { ArgumentList: { } list }
                ? kind + Regex.Replace(list.NormalizeWhitespace().ToFullString(), @"\s+", " ")
                : kind;
            SyntaxNode? declaration = attributeSyntax.Parent?.Parent; // Attribute -> AttributeList -> ClassDeclaration
            layers.Add(new LayerSite(reference.SyntaxTree, reference.Span.Start, declaration, new LayerSpec(kind, args.ToEquatableArray(), location, block) { Source = source }));
        }

        return layers;
    }

    /// <summary>
    /// An identifier as C# source: a keyword gets its <c>@</c> back (<c>event</c> → <c>@event</c>), contextual ones too
    /// (<c>record</c>, <c>var</c>), where <c>@</c> is always allowed and sometimes required; so does a name of lower-case
    /// ASCII letters only (<c>mlp</c>), for which the compiler would warn (CS8981) inside the generated file.
    /// </summary>
    public static string Identifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None || name.All(c => c is >= 'a' and <= 'z')
            ? "@" + name
            : name;

    private static string TypeHeader(INamedTypeSymbol type)
    {
        string keyword = type.IsRecord ? (type.IsValueType ? "record struct" : "record") : type.TypeKind switch
        {
            TypeKind.Struct => "struct",
            TypeKind.Interface => "interface",
            _ => "class",
        };
        string typeParameters = type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name))) + ">";
        return $"{(type.IsStatic ? "static " : "")}partial {keyword} {Identifier(type.Name)}{typeParameters}";
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == baseName)
            {
                return true;
            }
        }

        return false;
    }

    private static ArgumentSpec ToSpec(string name, TypedConstant constant)
    {
        if (constant.Kind == TypedConstantKind.Array)
        {
            var values = constant.IsNull ? new string[0] : constant.Values.Select(v => Format(v.Value)).ToArray();
            return new ArgumentSpec(name, ArgumentKind.Array, "", new EquatableArray<string>(values));
        }

        if (constant.Kind == TypedConstantKind.Type)
        {
            return new ArgumentSpec(name, ArgumentKind.Type, (constant.Value as ITypeSymbol)?.ToDisplayString() ?? "", EquatableArray<string>.Empty);
        }

        ArgumentKind kind = constant.Kind == TypedConstantKind.Enum ? ArgumentKind.Enum : constant.Value switch
        {
            int or long or short or byte or sbyte or uint or ushort => ArgumentKind.Integer,
            float or double => ArgumentKind.Float,
            bool => ArgumentKind.Boolean,
            string => ArgumentKind.String,
            _ => ArgumentKind.Other,
        };
        return new ArgumentSpec(name, kind, Format(constant.Value), EquatableArray<string>.Empty);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        System.IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A layer attribute and where it sits (a class, not a tuple: LINQ over a reference type runs code the
    /// compiler has already compiled, a struct element makes a cold compiler JIT a copy of it).</summary>
    private sealed record LayerSite(SyntaxTree Tree, int Position, SyntaxNode? Declaration, LayerSpec Spec);
}
