import { DynamicModule, Global, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';

/** A port: an abstract class in src/common that a module on a higher floor implements. */
type Port<T> = abstract new (...args: never[]) => T;

/** One binding of a port to the class that implements it (provided and exported by its module). */
export function bindPort<T>(port: Port<T>, implementation: Type<T>): Provider {
  return { provide: port, useExisting: implementation };
}

/**
 * The ports of src/common, bound to their implementations by the composition root
 * (src/app.module.ts), the one place that sees every module (docs/architecture.md, ports).
 * A lower floor depends on the abstract class; the root names which module's class answers.
 * Global, like config and database: ground-floor infrastructure every module may inject.
 */
@Global()
@Module({})
export class PortsModule {
  static forRoot(options: {
    /** The modules that provide and export the implementations. */
    imports: NonNullable<ModuleMetadata['imports']>;
    /** One `bindPort(port, implementation)` per port. */
    bindings: Provider[];
  }): DynamicModule {
    return {
      module: PortsModule,
      imports: options.imports,
      providers: options.bindings,
      exports: options.bindings.map((binding) => (binding as { provide: Port<unknown> }).provide),
    };
  }
}
