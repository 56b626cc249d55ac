import { App } from 'aws-cdk-lib';
import { AppStack } from './app-stack';

new AppStack(new App(), 'SaasApp');
