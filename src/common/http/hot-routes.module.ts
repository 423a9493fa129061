import { DynamicModule, Global, Module } from '@nestjs/common';
import { HotRoutes } from './hot-routes';

/** Offers the application's HotRoutes (made with its HTTP server) to the modules that add one. */
@Global()
@Module({})
export class HotRoutesModule {
  static forRoot(routes: HotRoutes): DynamicModule {
    return {
      module: HotRoutesModule,
      providers: [{ provide: HotRoutes, useValue: routes }],
      exports: [HotRoutes],
    };
  }
}
