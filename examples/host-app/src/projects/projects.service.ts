import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Project } from './project.entity';

@Injectable()
export class ProjectsService {
  constructor(@InjectRepository(Project) private readonly projects: Repository<Project>) {}

  create(ownerId: string, name: string): Promise<Project> {
    return this.projects.save(this.projects.create({ ownerId, name }));
  }

  ownedBy(ownerId: string): Promise<Project[]> {
    return this.projects.find({ where: { ownerId }, order: { createdAt: 'ASC' } });
  }

  all(): Promise<Project[]> {
    return this.projects.find({ order: { createdAt: 'ASC' } });
  }
}
