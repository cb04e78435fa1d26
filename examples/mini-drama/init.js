// Must run right after the SDK script (the platform's get-started guide).
TTMinis.init({ clientKey: 'sample-drama' });
