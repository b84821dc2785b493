console.log('layercache demo: coming soon (see issue "The main job: pnpm demo").');
