console.log('layercache bench: coming soon (see issue "The main job: pnpm demo").');
